"""The risk register and the audit log viewer."""

import csv
import io
from datetime import date, timedelta

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.utils import timezone

from organizations.models import Organization
from security.models import RiskAssessment
from security.services import risk_assessment_create
from tests.factories import OrganizationFactory, UserFactory


def test_risk_register_validates_and_audits(operator):
    with pytest.raises(ValidationError) as error:
        risk_assessment_create(title="", owner=operator, likelihood=9, impact=2, review_on=date(2026, 6, 1))
    assert {"title", "likelihood"} <= set(error.value.message_dict)
    assert not RiskAssessment.objects.exists()
    risk = risk_assessment_create(
        title="供应商接口密钥泄露", owner=operator, likelihood=2, impact=4, review_on=date(2026, 6, 1)
    )
    assert risk.score == 8 and risk.status == "open"
    assert risk.review_due(on=date(2026, 6, 1)) and not risk.review_due(on=date(2026, 5, 31))
    assert LogEntry.objects.get_for_object(risk).count() == 1


def test_risk_register_in_the_admin(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    owner = UserFactory()
    response = client.post(
        "/django-admin/security/riskassessment/add/",
        {
            "title": "单机房部署",
            "owner": owner.pk,
            "likelihood": 2,
            "impact": 5,
            "status": "mitigating",
            "review_on": "2026-12-31",
            "description": "",
            "treatment": "建设同城灾备",
        },
    )
    assert response.status_code == 302
    assert RiskAssessment.objects.get().owner == owner


@pytest.fixture
def audited(db):
    """Audit entries: two organisations created by different actors, one changed."""
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    from auditlog.context import set_actor

    with set_actor(alice):
        first = OrganizationFactory(name="甲算力有限公司")
    with set_actor(bob):
        OrganizationFactory(name="乙算力有限公司")
        first.name = "甲算力科技有限公司"
        first.save()
    return alice, bob


def test_audit_log_filters(operator_client, audited):
    rows = lambda response: response.content.decode().count('class="entry"')  # noqa: E731
    org_entries = LogEntry.objects.get_for_model(Organization).count()
    assert org_entries == 3
    assert rows(operator_client.get("/security/audit/")) == LogEntry.objects.count()
    from django.contrib.contenttypes.models import ContentType

    org_type = ContentType.objects.get_for_model(Organization).pk
    assert rows(operator_client.get("/security/audit/", {"model": org_type})) == 3
    assert rows(operator_client.get("/security/audit/", {"model": org_type, "actor": "bob"})) == 2
    assert rows(operator_client.get("/security/audit/", {"model": org_type, "action": 1})) == 1
    today = timezone.localdate()
    assert rows(operator_client.get("/security/audit/", {"model": org_type, "date_from": today.isoformat()})) == 3
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert rows(operator_client.get("/security/audit/", {"date_from": tomorrow})) == 0


def test_audit_log_csv_export(operator_client, audited):
    from django.contrib.contenttypes.models import ContentType

    org_type = ContentType.objects.get_for_model(Organization).pk
    response = operator_client.get("/security/audit/", {"model": org_type, "actor": "bob", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][:3] == ["timestamp", "actor", "action"]
    assert len(table) == 3
    assert {row[1] for row in table[1:]} == {"bob"}
    assert any("甲算力科技有限公司" in row[6] for row in table[1:])


def test_audit_log_is_404_for_everyone_but_operators(client, make_user, audited):
    assert client.get("/security/audit/").status_code == 404
    for role in ("applicant", "provincial_reviewer", "editor", "provider"):
        client.force_login(make_user(role))
        assert client.get("/security/audit/").status_code == 404
        assert client.get("/security/audit/", {"format": "csv"}).status_code == 404
