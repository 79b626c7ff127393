"""Run pip-audit and bandit as the deployment's own tools and turn their JSON into findings.

Each runner returns a ``ToolResult``: a status (clean, findings, incomplete, failed), the findings,
a message for people, and the tool's version. Nothing here writes to the database; the service
``vulnerability_scan_run`` stores the result.
"""

from __future__ import annotations

import json
import os
import subprocess  # nosec B404: the scanners are run as subprocesses with fixed argument lists
import sys
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from .models import VulnerabilityFinding, VulnerabilityScan

Status = VulnerabilityScan.Status

# Signs in pip-audit's error output that the vulnerability service could not be reached.
UNREACHABLE_SIGNS = (
    "ConnectionError",
    "ProxyError",
    "ConnectTimeout",
    "ReadTimeout",
    "Max retries exceeded",
    "NameResolutionError",
    "Temporary failure in name resolution",
    "Failed to establish a new connection",
    "Network is unreachable",
    "ServiceError",
)


@dataclass
class Finding:
    tool: str
    identifier: str
    package: str
    version: str = ""
    severity: str = ""
    fix_versions: str = ""
    description: str = ""


@dataclass
class ToolResult:
    status: str
    findings: list[Finding] = field(default_factory=list)
    message: str = ""
    version: str = ""


def _run(args: list[str], *, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(  # nosec B603: fixed argument list, no shell
        [sys.executable, "-m", *args],
        capture_output=True,
        text=True,
        timeout=settings.SECURITY_SCAN_TIMEOUT,
        env=env,
        cwd=settings.BASE_DIR,
    )


def _version(module: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(module)
    except PackageNotFoundError:
        return ""


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:500] if lines else ""


def dependency_audit(*, requirement: Path | None = None) -> ToolResult:
    """pip-audit over the installed environment (or a pinned requirements file)."""
    version = _version("pip-audit")
    args = [
        "pip_audit",
        "--format",
        "json",
        "--progress-spinner",
        "off",
        "--vulnerability-service",
        settings.SECURITY_SCAN_VULNERABILITY_SERVICE,
        "--timeout",
        str(settings.SECURITY_SCAN_REQUEST_TIMEOUT),
    ]
    if requirement is not None:
        args += ["--requirement", str(requirement), "--no-deps", "--disable-pip"]
    else:
        args += ["--local"]
    env = dict(os.environ)
    if settings.SECURITY_SCAN_PROXY:
        for name in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
            env[name] = settings.SECURITY_SCAN_PROXY
    try:
        completed = _run(args, env=env)
    except subprocess.TimeoutExpired:
        return ToolResult(
            Status.INCOMPLETE,
            message=_("漏洞数据库在 %(s)s 秒内无响应，依赖漏洞扫描未完成。") % {"s": settings.SECURITY_SCAN_TIMEOUT},
            version=version,
        )
    try:
        report = json.loads(completed.stdout)
    except json.JSONDecodeError:
        reason = _last_line(completed.stderr)
        if any(sign in completed.stderr for sign in UNREACHABLE_SIGNS):
            return ToolResult(
                Status.INCOMPLETE,
                message=_(
                    "无法连接漏洞数据库（%(service)s），依赖漏洞扫描未完成，结果不代表无漏洞。"
                    "The vulnerability database could not be reached: %(reason)s"
                )
                % {"service": settings.SECURITY_SCAN_VULNERABILITY_SERVICE, "reason": reason},
                version=version,
            )
        return ToolResult(
            Status.FAILED, message=_("pip-audit 执行失败：%(reason)s") % {"reason": reason}, version=version
        )

    findings, audited, skipped = [], 0, []
    for dependency in report.get("dependencies", []):
        if "skip_reason" in dependency:
            skipped.append(dependency["name"])
            continue
        audited += 1
        for vuln in dependency.get("vulns", []):
            aliases = [alias for alias in vuln.get("aliases", []) if alias.startswith("CVE-")]
            findings.append(
                Finding(
                    tool=VulnerabilityFinding.Tool.PIP_AUDIT,
                    identifier=vuln["id"],
                    package=dependency["name"],
                    version=dependency.get("version", ""),
                    fix_versions=", ".join(vuln.get("fix_versions", [])),
                    description=(" ".join(aliases) + " " + (vuln.get("description") or "")).strip(),
                )
            )
    message = _("已检查 %(n)s 个组件。") % {"n": audited}
    if skipped:
        message += " " + _("%(n)s 个组件未能检查（漏洞数据库无其数据）：%(names)s") % {
            "n": len(skipped),
            "names": ", ".join(skipped[:20]) + ("…" if len(skipped) > 20 else ""),
        }
    if audited == 0:
        return ToolResult(
            Status.INCOMPLETE,
            message=_("漏洞数据库未返回任何组件的数据，依赖漏洞扫描未完成。") + " " + message,
            version=version,
        )
    return ToolResult(Status.FINDINGS if findings else Status.CLEAN, findings, message, version)


def code_audit(*, paths: list[Path]) -> ToolResult:
    """bandit over the project's own code (migrations and tests excluded)."""
    version = _version("bandit")
    existing = [str(path) for path in paths if Path(path).exists()]
    if not existing:
        return ToolResult(Status.FAILED, message=_("没有可扫描的代码目录。"), version=version)
    completed = _run(
        ["bandit", "-r", *existing, "-f", "json", "-q", "-x", "*/migrations/*,*/tests/*,*/.venv/*,*/node_modules/*"]
    )
    try:
        report = json.loads(completed.stdout)
    except json.JSONDecodeError:
        return ToolResult(
            Status.FAILED,
            message=_("bandit 执行失败：%(reason)s") % {"reason": _last_line(completed.stderr)},
            version=version,
        )
    base = str(settings.BASE_DIR) + os.sep
    findings = [
        Finding(
            tool=VulnerabilityFinding.Tool.BANDIT,
            identifier=result["test_id"],
            severity=result.get("issue_severity", "").lower(),
            package=result["filename"].removeprefix(base),
            version=str(result.get("line_number", "")),
            description=f"{result.get('issue_text', '')} (confidence {result.get('issue_confidence', '').lower()})",
        )
        for result in report.get("results", [])
    ]
    lines = report.get("metrics", {}).get("_totals", {}).get("loc", 0)
    message = _("已扫描 %(loc)s 行代码。") % {"loc": lines}
    if report.get("errors"):
        message += " " + _("%(n)s 个文件未能解析。") % {"n": len(report["errors"])}
    return ToolResult(Status.FINDINGS if findings else Status.CLEAN, findings, message, version)
