"""The node operator revokes a reseller's 转售调度资格 from its process page: a confirmation with an opinion
(required, field-level Chinese error, nothing changes without it), effective at once, in the process's trail and
the audit log, the reseller told by email; anyone else gets 404 and changes nothing."""

import datetime

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.utils import timezone

from organizations.roles import Role
from tests.factories import OrganizationFactory
from workflows.onboarding.models import OnboardingEvent, ResellerApplication, ResellerQualification
from workflows.onboarding.selectors import reseller_is_qualified

from .test_flows import login, open_task, process_url, start_url, task_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def granted(client, make_user, chengdu_org):
    """A qualification granted through the process's pages (applied by the reseller, approved by the operator)."""
    operator = make_user(Role.NODE_OPERATOR, username="op", organization=OrganizationFactory(name="运营中心"))
    reseller = make_user(Role.RESELLER, organization=chengdu_org, email="resale@example.cn")
    login(client, reseller).post(start_url("reseller"), {"business_scope": "跨区域算力转售", "requested_years": "1"})
    process = ResellerApplication.objects.get().process.coerced
    today = timezone.localdate()
    login(client, operator).post(
        task_url("reseller", open_task(process, "certify")),
        {
            "decision": "approve",
            "valid_from": today.isoformat(),
            "valid_until": (today + datetime.timedelta(days=365)).isoformat(),
        },
    )
    client.logout()
    mail.outbox.clear()
    return operator, reseller, process, ResellerQualification.objects.get()


def test_the_operator_revokes_with_an_opinion_after_a_confirmation(client, granted, django_capture_on_commit_callbacks):
    operator, _reseller, process, qualification = granted
    login(client, operator)
    page = client.get(process_url("reseller", process)).content.decode()
    url = f"/onboarding/qualifications/{qualification.pk}/revoke/"
    assert url in page and "撤销资格" in page
    confirm = client.get(url)
    assert confirm.status_code == 200 and "确认撤销转售调度资格" in confirm.content.decode()
    assert ResellerQualification.objects.get().revoked_at is None  # the GET changed nothing
    english = client.get(f"/en{url}").content.decode()
    assert "Confirm revoking the resale and scheduling qualification" in english and "Opinion on revocation" in english

    # no opinion: the reason at the field, nothing revoked
    refused = client.post(url, {"reason": "  "})
    assert refused.status_code == 400 and "请填写撤销意见。" in refused.content.decode()
    assert ResellerQualification.objects.get().revoked_at is None and mail.outbox == []

    entries = LogEntry.objects.get_for_object(qualification).count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "经核查存在违规转售行为。"}, follow=True)
    assert response.redirect_chain[-1][0] == process_url("reseller", process)
    page = response.content.decode()
    assert "已撤销转售调度资格" in page and "已撤销" in page and "经核查存在违规转售行为。" in page
    assert "状态：已通过，资格已撤销" in " ".join(page.split())  # not a bare 已通过 any more
    assert "已通过，资格已撤销" in client.get("/onboarding/").content.decode()  # the operator's list too
    assert "Approved; qualification revoked" in client.get(f"/en{process_url('reseller', process)}").content.decode()
    qualification.refresh_from_db()
    assert qualification.revoked_at is not None and qualification.revoked_reason == "经核查存在违规转售行为。"
    assert not reseller_is_qualified(provider=qualification.provider)
    event = OnboardingEvent.objects.get(process=process, action__startswith="撤销转售调度资格")
    assert (event.actor, event.opinion) == (operator, "经核查存在违规转售行为。")
    assert LogEntry.objects.get_for_object(qualification).count() == entries + 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["resale@example.cn"]
    assert "经核查存在违规转售行为。" in mail.outbox[0].body
    # a second revocation changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reason": "再次撤销"})
    assert ResellerQualification.objects.get().revoked_reason == "经核查存在违规转售行为。"
    assert len(mail.outbox) == 1


def test_nobody_but_an_operator_may_revoke(client, granted, make_user, mianyang_org):
    _operator, reseller, process, qualification = granted
    url = f"/onboarding/qualifications/{qualification.pk}/revoke/"
    for user in (reseller, make_user(Role.RESELLER, organization=mianyang_org), make_user(Role.PROVIDER)):
        login(client, user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "自行撤销"}).status_code == 404
    login(client, reseller)
    assert url not in client.get(process_url("reseller", process)).content.decode()
    assert ResellerQualification.objects.get().revoked_at is None and mail.outbox == []
    client.logout()
    assert client.post(url, {"reason": "x"}).status_code == 302  # to the login page
    assert ResellerQualification.objects.get().revoked_at is None
