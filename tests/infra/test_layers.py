"""The floors below the business apps stay below them: ``infra/`` imports no app of the project and
``changes/`` (the change feed, its websocket) imports only ``infra/`` — imports inside functions included."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = {
    "accounts",
    "catalog",
    "changes",
    "federation",
    "infra",
    "monitoring",
    "organizations",
    "portal",
    "search",
    "security",
    "workflows",
}


def project_imports(package: str) -> dict[str, set[str]]:
    """Top-level project packages each module of ``package`` imports (relative imports stay inside it)."""
    found = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names & APPS
    return found


@pytest.mark.parametrize(("package", "allowed"), [("infra", {"infra"}), ("changes", {"changes", "infra"})])
def test_lower_floors_import_no_business_app(package, allowed):
    offending = {module: names - allowed for module, names in project_imports(package).items() if names - allowed}
    assert offending == {}
