"""Registering an organisation by its USCC, the operator's certification queue, and what an
uncertified registrant may (not) do."""

import pytest
from auditlog.models import LogEntry
from django.core import mail

from accounts.models import OrganizationRegistration, RegistrationStatus
from catalog.models import Provider
from organizations.models import Organization
from organizations.selectors import user_roles

from .helpers import NEW_USCC, registration_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def registrant(make_user):
    return make_user(username="registrant", email="registrant@example.cn")


@pytest.fixture
def operator(make_user):
    return make_user("node_operator", username="op")


@pytest.fixture
def submitted(client, registrant):
    client.force_login(registrant)
    response = client.post("/me/organization/register/", registration_data(requested_roles=["provider", "applicant"]))
    assert response.status_code == 302, response.content.decode()[-3000:]
    return OrganizationRegistration.objects.get(uscc=NEW_USCC)


def test_a_registration_is_stored_pending_and_creates_no_organisation(submitted, registrant):
    assert submitted.status == RegistrationStatus.SUBMITTED
    assert submitted.submitted_by == registrant
    assert submitted.verification_backend == "manual" and "人工核对" in submitted.verification_detail
    assert not Organization.objects.filter(uscc=NEW_USCC).exists()
    registrant.refresh_from_db()
    assert registrant.organization is None and user_roles(user=registrant) == []


@pytest.mark.parametrize(
    ("overrides", "field_error"),
    [
        ({"uscc": "91510100MA6FD0010X"}, "统一社会信用代码"),
        ({"city": "510700", "province": "130000"}, "所在城市不属于所选省份"),
        ({"requested_roles": []}, "请至少选择一个角色"),
        ({"requested_roles": ["line_provider"]}, "须填写电信业务经营许可证"),
        ({"licence_scan": None}, "必需字段"),
    ],
)
def test_bad_registrations_are_refused_with_field_errors(client, registrant, overrides, field_error):
    client.force_login(registrant)
    response = client.post("/me/organization/register/", registration_data(**overrides))
    assert response.status_code == 200
    assert field_error in response.content.decode()
    assert not OrganizationRegistration.objects.exists()


def test_a_file_that_is_not_a_pdf_is_refused(client, registrant):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(registrant)
    fake = SimpleUploadedFile("licence.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    response = client.post("/me/organization/register/", registration_data(licence_scan=fake))
    assert "请上传 PDF 文件" in response.content.decode()
    assert not OrganizationRegistration.objects.exists()


def test_a_registered_uscc_must_join_instead(client, registrant, chengdu_org):
    client.force_login(registrant)
    response = client.post("/me/organization/register/", registration_data(uscc=chengdu_org.uscc))
    assert "请改为申请加入该单位" in response.content.decode()


def test_an_uncertified_registrant_can_do_nothing_but_complete_the_registration(client, submitted):
    # (the client is signed in as the registrant)
    assert client.get("/me/organization/").status_code == 200
    # every place where an organisation acts is closed (its lists show nothing of anyone's)
    for url in [
        "/catalog/provider/api-keys/",
        "/catalog/provider/import/",
        "/demands/new/",
        "/demands/scheduling/",
        "/onboarding/provider/start/",
        "/onboarding/reseller/start/",
        "/onboarding/line/start/",
        "/review/",
        "/review/expert/",
        "/applications/",
        "/security/audit/",
    ]:
        response = client.get(url)
        assert response.status_code in (403, 404) or response["Location"] == "/me/organization/", url
        assert client.post(url, {"name": "x"}).status_code == 404, url
    assert client.get("/demands/new/")["Location"] == "/me/organization/"  # the form it could have used
    assert client.get("/en/demands/new/")["Location"] == "/en/me/organization/"
    assert client.get("/me/organization/people/").status_code == 404
    assert client.post("/api/v1/demands/", {"title": "x"}).status_code == 403
    assert client.get(f"/certification/{submitted.pk}/").status_code == 404  # not the operator
    assert client.get("/certification/").status_code == 404
    assert client.get(f"/certification/{submitted.pk}/licence.pdf").status_code == 200  # their own upload


def test_the_queue_and_the_scan_are_the_operators_only(client, submitted, make_user, chengdu_org):
    for user in [make_user("provider", organization=chengdu_org), make_user("provincial_reviewer")]:
        client.force_login(user)
        assert client.get("/certification/").status_code == 404
        assert client.get(f"/certification/{submitted.pk}/licence.pdf").status_code == 404
        response = client.post(f"/certification/{submitted.pk}/", {"decision": "approve", "checked": "on"})
        assert response.status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == RegistrationStatus.SUBMITTED


def test_the_operator_certifies_and_the_registrant_gets_organisation_roles_and_administration(
    client, submitted, operator, registrant
):
    client.force_login(operator)
    assert NEW_USCC in client.get("/certification/").content.decode()
    # approving without the manual check is refused
    response = client.post(f"/certification/{submitted.pk}/", {"decision": "approve"})
    assert "请先人工核对" in response.content.decode()
    response = client.post(
        f"/certification/{submitted.pk}/", {"decision": "approve", "checked": "on", "opinion": "材料齐全"}
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == RegistrationStatus.APPROVED and submitted.decided_by == operator
    organization = Organization.objects.get(uscc=NEW_USCC)
    assert submitted.organization == organization
    registrant.refresh_from_db()
    assert registrant.organization == organization
    assert {role.value for role in user_roles(user=registrant)} == {"provider", "applicant"}
    assert registrant.administers.organization == organization
    assert Provider.objects.get(organization=organization).is_resource_provider
    assert mail.outbox[-1].to == ["registrant@example.cn"] and "通过认证" in mail.outbox[-1].subject
    # audited: the registration's change and the decision's event
    update = LogEntry.objects.get_for_object(submitted).filter(action=LogEntry.Action.UPDATE).first()
    assert update.changes_dict["status"] == ["submitted", "approved"] and update.actor == operator
    assert [event.action for event in submitted.events.all()] == ["提交注册认证申请", "通过认证"]
    # a second decision is impossible
    client.post(f"/certification/{submitted.pk}/", {"decision": "reject", "opinion": "x"})
    submitted.refresh_from_db()
    assert submitted.status == RegistrationStatus.APPROVED
    # and the registrant now reaches their work
    client.force_login(registrant)
    assert client.get("/catalog/provider/api-keys/").status_code == 200
    assert client.get("/me/organization/people/").status_code == 200


def test_more_information_then_resubmission_then_rejection(client, submitted, operator, registrant):
    client.force_login(operator)
    response = client.post(f"/certification/{submitted.pk}/", {"decision": "more_info"})
    assert "请写明意见" in response.content.decode()
    client.post(f"/certification/{submitted.pk}/", {"decision": "more_info", "opinion": "营业执照不清晰"})
    submitted.refresh_from_db()
    assert submitted.status == RegistrationStatus.MORE_INFO

    client.force_login(registrant)
    assert "营业执照不清晰" in client.get("/me/organization/").content.decode()
    data = registration_data(legal_representative="王五五")
    del data["licence_scan"]  # the scan already uploaded is kept
    assert client.post("/me/organization/register/", data).status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == RegistrationStatus.SUBMITTED and submitted.legal_representative == "王五五"
    assert submitted.licence_scan

    client.force_login(operator)
    client.post(f"/certification/{submitted.pk}/", {"decision": "reject", "opinion": "非本单位人员申请"})
    submitted.refresh_from_db()
    assert submitted.status == RegistrationStatus.REJECTED
    assert not Organization.objects.filter(uscc=NEW_USCC).exists()
    registrant.refresh_from_db()
    assert registrant.organization is None and user_roles(user=registrant) == []


def test_an_open_registration_blocks_a_second_one_for_the_same_code(client, submitted, make_user):
    other = make_user(username="other")
    client.force_login(other)
    response = client.post("/me/organization/register/", registration_data())
    assert "已有待认证的注册申请" in response.content.decode()
