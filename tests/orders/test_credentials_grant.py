"""A buyer organisation's administrator grants and revokes "may see access credentials"
(``orders.view_order_credentials``) to its own people on the people page (/me/organization/people/):
the grantee sees the order's access details, the revoked person no longer does, each change is in the
audit trail, and nobody else can make the change (404, nothing changed)."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from accounts.models import OrganizationAdministrator
from orders import access
from organizations.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
MARKER = "MARKER-grant-51c0"


def _sees_credentials(user: User) -> bool:
    return User.objects.get(pk=user.pk).has_perm("orders.view_order_credentials")


@pytest.fixture
def buyer(market, confirmed):
    """The buyer organisation of ``confirmed`` (access details attached), its administrator and a colleague."""
    access.access_attach(
        order=confirmed,
        actor=market.staff["chengdu"],
        details=access.AccessDetails(endpoint="ssh://gpu.example.cn", credential=MARKER),
    )
    organization = market.user.organization
    admin = UserFactory(organization=organization, username="buyeradmin")
    OrganizationAdministrator.objects.create(user=admin, organization=organization)
    colleague = UserFactory(organization=organization, username="colleague")
    return admin, colleague


def _permission_entries(user: User):
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(User),
        object_pk=str(user.pk),
        changes__icontains="user_permissions",
    ).order_by("pk")


def test_administrator_grants_then_revokes_and_the_colleague_sees_then_does_not(client, confirmed, buyer):
    admin, colleague = buyer
    client.force_login(colleague)
    assert client.get(f"/orders/{confirmed.pk}/access/").status_code == 404  # not yet

    client.force_login(admin)
    page = client.get("/me/organization/people/").content.decode()
    assert "查看订单接入凭据" in page and "允许查看" in page
    response = client.post(f"/me/organization/people/{colleague.pk}/credentials/", {"on": "1"})
    assert response.status_code == 302
    assert _sees_credentials(colleague)
    assert "可查看" in client.get("/me/organization/people/").content.decode()

    client.force_login(colleague)
    response = client.get(f"/orders/{confirmed.pk}/access/")
    assert response.status_code == 200 and MARKER in response.content.decode()
    assert client.get(f"/api/v1/orders/{confirmed.pk}/access/").json()["credential"] == MARKER

    client.force_login(admin)
    client.post(f"/me/organization/people/{colleague.pk}/credentials/", {"on": "0"})
    assert not _sees_credentials(colleague)
    client.force_login(colleague)
    assert client.get(f"/orders/{confirmed.pk}/access/").status_code == 404
    assert MARKER not in client.get(f"/api/v1/orders/{confirmed.pk}/access/").content.decode()

    # audited: who, added then removed, and nothing of the credential itself
    entries = list(_permission_entries(colleague))
    assert [entry.changes["user_permissions"]["operation"] for entry in entries] == ["add", "delete"]
    assert {entry.actor_id for entry in entries} == {admin.pk}
    assert all(MARKER not in str(entry.changes) for entry in entries)


def test_granting_twice_writes_one_entry(client, buyer):
    admin, colleague = buyer
    client.force_login(admin)
    for _ in range(2):
        client.post(f"/me/organization/people/{colleague.pk}/credentials/", {"on": "1"})
    assert _sees_credentials(colleague)
    assert _permission_entries(colleague).count() == 1


def test_nobody_but_the_organisations_administrator_can_grant(client, market, confirmed, buyer, make_user):
    admin, colleague = buyer
    url = f"/me/organization/people/{colleague.pk}/credentials/"
    # a plain member of the same organisation (not its administrator)
    client.force_login(colleague)
    assert client.post(f"/me/organization/people/{colleague.pk}/credentials/", {"on": "1"}).status_code == 404
    assert client.get("/me/organization/people/").status_code == 404
    # the administrator of another organisation (a provider), for the buyer's colleague: 404
    other_admin = market.staff["chengdu"]
    OrganizationAdministrator.objects.update_or_create(
        user=other_admin, defaults={"organization": other_admin.organization}
    )
    client.force_login(other_admin)
    assert client.post(url, {"on": "1"}).status_code == 404
    # and the buyer's administrator cannot reach the provider's people either
    client.force_login(admin)
    assert client.post(f"/me/organization/people/{other_admin.pk}/credentials/", {"on": "1"}).status_code == 404
    # GET does not change anything; the signed-out are sent to the login page
    assert client.get(url + "?on=1").status_code == 405
    client.logout()
    response = client.post(url, {"on": "1"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    assert not _sees_credentials(colleague) and not _sees_credentials(other_admin)
    assert not _permission_entries(colleague).exists() and not _permission_entries(other_admin).exists()
    client.force_login(colleague)
    assert client.get(f"/orders/{confirmed.pk}/access/").status_code == 404


def test_removing_a_person_takes_the_grant_with_them(client, buyer):
    admin, colleague = buyer
    client.force_login(admin)
    client.post(f"/me/organization/people/{colleague.pk}/credentials/", {"on": "1"})
    assert _sees_credentials(colleague)
    client.post(f"/me/organization/people/{colleague.pk}/remove/")
    colleague.refresh_from_db()
    assert colleague.organization is None
    assert not _sees_credentials(colleague)  # it would otherwise follow them into the next organisation
