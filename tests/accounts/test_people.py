"""An organisation administrator's people: join requests, roles within the organisation, removal
(which ends the person's sessions and API keys at once), and the denials around them."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import JoinRequest, JoinStatus, OrganizationAdministrator
from catalog import services as catalog_services
from catalog.models import OnboardingState
from organizations.selectors import user_roles
from tests.catalog.factories import ProviderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider_org(make_user):
    provider = ProviderFactory(onboarding_state=OnboardingState.CERTIFIED, is_resource_provider=True)
    organization = provider.organization
    admin = make_user("provider", "applicant", organization=organization, username="orgadmin")
    OrganizationAdministrator.objects.create(user=admin, organization=organization)
    return provider, organization, admin


def test_a_person_asks_to_join_and_the_administrator_approves_with_the_organisations_roles(
    client, make_user, provider_org
):
    provider, organization, admin = provider_org
    newcomer = make_user(username="joiner")
    client.force_login(newcomer)
    response = client.post(
        "/me/organization/join/", {"uscc": organization.uscc.lower(), "requested_roles": ["provider", "reseller"]}
    )
    assert response.status_code == 302
    join_request = JoinRequest.objects.get(user=newcomer)
    assert join_request.status == JoinStatus.PENDING
    # still nobody's: no roles, work pages closed
    assert client.get("/catalog/provider/api-keys/").status_code == 403

    client.force_login(admin)
    assert "joiner" in client.get("/me/organization/people/").content.decode()
    client.post(f"/me/organization/people/join/{join_request.pk}/", {"decision": "approve"})
    newcomer.refresh_from_db()
    assert newcomer.organization == organization
    # reseller is not a role this organisation holds: only provider is granted
    assert [role.value for role in user_roles(user=newcomer)] == ["provider"]


def test_joining_an_unknown_code_is_refused(client, make_user):
    client.force_login(make_user())
    response = client.post("/me/organization/join/", {"uscc": "91510100MA6FD00103", "requested_roles": ["provider"]})
    assert "没有以该统一社会信用代码完成注册认证的单位" in response.content.decode()
    assert not JoinRequest.objects.exists()


def test_removing_a_person_ends_their_session_and_keys_at_once(make_user, provider_org):
    provider, organization, admin = provider_org
    member = make_user("provider", organization=organization, username="member")
    _, raw_key = catalog_services.api_key_create(provider=provider, name="ops", actor=member)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    assert api.get("/api/v1/provider/resources/").status_code == 200
    member_browser = Client()
    member_browser.force_login(member)
    assert member_browser.get("/catalog/provider/api-keys/").status_code == 200

    admin_browser = Client()
    admin_browser.force_login(admin)
    response = admin_browser.post(f"/me/organization/people/{member.pk}/remove/")
    assert response.status_code == 302

    member.refresh_from_db()
    assert member.organization is None and user_roles(user=member) == []
    assert api.get("/api/v1/provider/resources/").status_code == 401
    response = member_browser.get("/catalog/provider/api-keys/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]  # signed out
    assert member.is_active  # the person keeps their account and may join elsewhere


def test_roles_within_the_organisation_are_limited_to_its_own(client, make_user, provider_org):
    provider, organization, admin = provider_org
    member = make_user("provider", organization=organization)
    client.force_login(admin)
    client.post(f"/me/organization/people/{member.pk}/roles/", {f"m{member.pk}-roles": ["applicant"]})
    assert [role.value for role in user_roles(user=member)] == ["applicant"]
    client.post(f"/me/organization/people/{member.pk}/roles/", {f"m{member.pk}-roles": ["node_operator"]})
    assert [role.value for role in user_roles(user=member)] == ["applicant"]


def test_people_of_another_organisation_are_not_found(client, make_user, provider_org, chengdu_org):
    provider, organization, admin = provider_org
    stranger = make_user("provider", organization=chengdu_org)
    client.force_login(admin)
    for action in ("remove", "roles", "admin"):
        assert client.post(f"/me/organization/people/{stranger.pk}/{action}/").status_code == 404
    stranger.refresh_from_db()
    assert stranger.organization == chengdu_org


def test_a_member_who_is_not_an_administrator_cannot_manage_people(client, make_user, provider_org):
    provider, organization, admin = provider_org
    member = make_user("provider", organization=organization)
    client.force_login(member)
    assert client.get("/me/organization/people/").status_code == 404
    assert client.post(f"/me/organization/people/{admin.pk}/remove/").status_code == 404
    admin.refresh_from_db()
    assert admin.organization == organization


def test_the_administrator_cannot_remove_themselves(client, provider_org):
    provider, organization, admin = provider_org
    client.force_login(admin)
    client.post(f"/me/organization/people/{admin.pk}/remove/")
    admin.refresh_from_db()
    assert admin.organization == organization


def test_an_invitation_is_mailed_and_accepted_by_the_account_with_that_verified_email(client, make_user, provider_org):
    from django.core import mail

    from accounts.models import Invitation

    provider, organization, admin = provider_org
    client.force_login(admin)
    client.post("/me/organization/people/invite/", {"email": "Invitee@Example.cn", "roles": ["applicant"]})
    invitation = Invitation.objects.get(organization=organization)
    assert invitation.email == "invitee@example.cn" and invitation.roles == ["applicant"]
    assert mail.outbox[-1].to == ["invitee@example.cn"] and "/accounts/signup/" in mail.outbox[-1].body

    # someone else cannot accept it
    other = make_user(email="other@example.cn")
    client.force_login(other)
    assert client.post(f"/me/organization/invitations/{invitation.pk}/accept/").status_code == 404
    other.refresh_from_db()
    assert other.organization is None

    invitee = make_user(email="invitee@example.cn")
    client.force_login(invitee)
    assert organization.name in client.get("/me/organization/").content.decode()
    client.post(f"/me/organization/invitations/{invitation.pk}/accept/")
    invitee.refresh_from_db()
    assert invitee.organization == organization
    assert [role.value for role in user_roles(user=invitee)] == ["applicant"]
    invitation.refresh_from_db()
    assert invitation.accepted_by == invitee


def test_only_an_administrator_invites(client, make_user, provider_org):
    from accounts.models import Invitation

    provider, organization, admin = provider_org
    client.force_login(make_user("provider", organization=organization))
    assert (
        client.post("/me/organization/people/invite/", {"email": "x@example.cn", "roles": ["provider"]}).status_code
        == 404
    )
    assert not Invitation.objects.exists()


def test_an_administrator_appoints_another_but_cannot_step_down_alone(client, make_user, provider_org):
    _provider, organization, admin = provider_org
    colleague = make_user("provider", organization=organization, username="colleague")
    client.force_login(admin)

    client.post(f"/me/organization/people/{colleague.pk}/admin/", {"on": "1"})
    assert OrganizationAdministrator.objects.filter(user=colleague, organization=organization).exists()

    response = client.post(f"/me/organization/people/{admin.pk}/admin/", {"on": "0"}, follow=True)
    assert "不能取消自己的管理员身份" in response.content.decode()
    assert OrganizationAdministrator.objects.filter(user=admin).exists()

    client.post(f"/me/organization/people/{colleague.pk}/admin/", {"on": "0"})
    assert not OrganizationAdministrator.objects.filter(user=colleague).exists()
