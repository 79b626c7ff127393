"""The security records moved from monitoring/ to security/ without losing a row.

A database at the state before the move (monitoring 0005, no security app) holds a row in every moved
table, an audit-trail entry of a risk and a permission granted on risks; migrating forward, the rows
read through ``security.models``, the audit entry is the risk's, the permission is ``security.*``.
"""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# the state before the move: monitoring up to 0005, which a fresh database reaches through the squash
BEFORE = [("monitoring", "0001_squashed_0005_delete_tileversion"), ("security", None)]

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)  # a fresh loader: it reads what is applied now


def _old_rows(old, user_pk: int) -> dict[str, int]:
    """Rows written through the historical models of monitoring (as main had them)."""
    SecurityEvent = old.get_model("monitoring", "SecurityEvent")
    event = SecurityEvent.objects.create(kind="lockout", user_id=user_pk, username="alice", ip_address="10.0.0.7")
    old.get_model("monitoring", "SecurityAlert").objects.create(kind="lockout", event_count=3, window_minutes=15)
    scan = old.get_model("monitoring", "VulnerabilityScan").objects.create(
        status="findings", dependency_status="findings", code_status="clean"
    )
    old.get_model("monitoring", "VulnerabilityFinding").objects.create(
        scan=scan, tool="pip-audit", identifier="PYSEC-2026-1", package="django"
    )
    risk = old.get_model("monitoring", "RiskAssessment").objects.create(
        title="接口密钥泄露", owner_id=user_pk, likelihood=3, impact=4, review_on=date(2026, 12, 31)
    )
    ContentType = old.get_model("contenttypes", "ContentType")
    risk_type = ContentType.objects.get(app_label="monitoring", model="riskassessment")
    old.get_model("auditlog", "LogEntry").objects.create(
        content_type=risk_type, object_pk=str(risk.pk), object_id=risk.pk, object_repr=risk.title, action=0
    )
    permission = old.get_model("auth", "Permission").objects.get(content_type=risk_type, codename="view_riskassessment")
    old.get_model("organizations", "User").objects.get(pk=user_pk).user_permissions.add(permission)
    return {"event": event.pk, "scan": scan.pk, "risk": risk.pk}


def test_rows_written_before_the_move_read_through_the_security_models(make_user):
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    user = make_user(username="alice")
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        executor = _migrate(BEFORE)
        assert ("security", "0001_initial") not in executor.loader.applied_migrations
        before = [node for node in leaves if node[0] not in ("monitoring", "security")] + BEFORE[:1]
        old = executor.loader.project_state(before).apps
        assert not any(model._meta.app_label == "security" for model in old.get_models())
        pks = _old_rows(old, user.pk)
    finally:
        _migrate(leaves)
    ContentType.objects.clear_cache()

    from security.models import RiskAssessment, SecurityAlert, SecurityEvent, VulnerabilityScan

    event = SecurityEvent.objects.get(pk=pks["event"])
    assert (event.kind, event.user, event.username, event.ip_address) == ("lockout", user, "alice", "10.0.0.7")
    assert SecurityAlert.objects.get().event_count == 3
    scan = VulnerabilityScan.objects.get(pk=pks["scan"])
    assert [finding.identifier for finding in scan.findings.all()] == ["PYSEC-2026-1"]
    risk = RiskAssessment.objects.get(pk=pks["risk"])
    assert (risk.title, risk.owner, risk.score) == ("接口密钥泄露", user, 12)
    # the audit trail and the permission followed the model: its content type moved, none was left behind
    assert [entry.object_repr for entry in LogEntry.objects.get_for_object(risk)] == ["接口密钥泄露"]
    assert not ContentType.objects.filter(app_label="monitoring", model="riskassessment").exists()
    user = type(user).objects.get(pk=user.pk)
    assert user.has_perm("security.view_riskassessment")
