"""`manage.py security_scan`: the real pip-audit and bandit, run as the deployment runs them."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from security.models import VulnerabilityScan

pytestmark = pytest.mark.django_db

UNSAFE = """import subprocess


def run(command):
    subprocess.call(command, shell=True)
    return eval(command)
"""

SAFE = """def add(a: int, b: int) -> int:
    return a + b
"""


def scan(*args) -> tuple[VulnerabilityScan, str]:
    out = StringIO()
    call_command("security_scan", *args, stdout=out)
    return VulnerabilityScan.objects.latest("pk"), out.getvalue()


def test_unreachable_vulnerability_database_stores_an_incomplete_scan(settings, tmp_path):
    # An egress proxy that refuses connections: pip-audit runs for real and cannot reach the database.
    settings.SECURITY_SCAN_PROXY = "http://127.0.0.1:9"
    settings.SECURITY_SCAN_REQUEST_TIMEOUT = 3
    requirement = tmp_path / "requirements.txt"
    requirement.write_text("django==4.2.0\n")
    result, output = scan("--requirement", str(requirement), "--skip-code")
    assert result.status == result.dependency_status == VulnerabilityScan.Status.INCOMPLETE
    assert result.code_status == VulnerabilityScan.Status.SKIPPED
    assert "无法连接漏洞数据库" in result.message and "could not be reached" in result.message
    assert "127.0.0.1" in result.message or "proxy" in result.message.lower()
    assert result.findings.count() == 0
    assert "incomplete" in output and "could not be reached" in output
    assert result.tool_versions["pip-audit"] == "2.10.1"


def test_strict_mode_fails_unless_clean(settings, tmp_path):
    settings.SECURITY_SCAN_PROXY = "http://127.0.0.1:9"
    requirement = tmp_path / "requirements.txt"
    requirement.write_text("django==4.2.0\n")
    with pytest.raises(CommandError, match="incomplete"):
        call_command("security_scan", "--requirement", str(requirement), "--skip-code", "--strict", stdout=StringIO())
    assert VulnerabilityScan.objects.get().status == "incomplete"


def test_bandit_findings_are_stored(tmp_path):
    (tmp_path / "unsafe.py").write_text(UNSAFE)
    (tmp_path / "safe.py").write_text(SAFE)
    result, output = scan("--skip-dependencies", "--path", str(tmp_path))
    assert result.status == result.code_status == VulnerabilityScan.Status.FINDINGS
    assert result.dependency_status == VulnerabilityScan.Status.SKIPPED
    found = {(f.tool, f.identifier, f.version) for f in result.findings.all()}
    assert ("bandit", "B602", "5") in found  # subprocess with shell=True, line 5
    assert ("bandit", "B307", "6") in found  # eval, line 6
    assert {f.package for f in result.findings.all()} == {str(tmp_path / "unsafe.py")}
    assert result.findings.get(identifier="B602").severity == "high"
    assert "B602" in output


def test_clean_code_gives_a_clean_scan(tmp_path):
    (tmp_path / "safe.py").write_text(SAFE)
    result, _ = scan("--skip-dependencies", "--path", str(tmp_path))
    assert (result.status, result.findings.count()) == ("clean", 0)


def test_nothing_to_scan_is_refused(tmp_path):
    with pytest.raises(CommandError):
        call_command("security_scan", "--skip-dependencies", "--skip-code")
    with pytest.raises(CommandError):
        call_command("security_scan", "--requirement", str(tmp_path / "missing.txt"))
    assert not VulnerabilityScan.objects.exists()


def test_scans_and_risks_show_on_the_operators_page(operator_client, operator, tmp_path):
    from datetime import date

    from security.services import risk_assessment_create

    (tmp_path / "unsafe.py").write_text(UNSAFE)
    scan("--skip-dependencies", "--path", str(tmp_path))
    risk_assessment_create(
        title="数据库备份未异地保存", owner=operator, likelihood=3, impact=5, review_on=date(2026, 1, 31)
    )
    body = operator_client.get("/security/").content.decode()
    assert body.count('class="scan"') == 1
    assert "数据库备份未异地保存" in body and ">15<" in body and "待复评" in body
