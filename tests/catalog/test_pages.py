import pytest

from catalog import services
from catalog.models import ProviderApiKey
from tests.catalog.factories import ComputeResourceFactory, ProviderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def networked(settings):
    """A node with an upstream: identifiers stay issued until the national acknowledgement."""
    settings.UPSTREAM_NODE_URL = "http://national.invalid"


def test_identifier_library_is_for_operators_and_exports_csv(client, make_user):
    identifier = services.identifier_issue(record=ComputeResourceFactory(name="=HYPERLINK(1)"), actor=None)
    client.force_login(make_user("provider"))
    assert client.get("/catalog/identifiers/").status_code == 403
    assert client.get("/catalog/identifiers/?format=csv").status_code == 403
    client.force_login(make_user("node_operator"))
    page = client.get("/catalog/identifiers/?state=issued")
    assert page.status_code == 200 and identifier.code in page.content.decode()
    assert identifier.code not in client.get("/catalog/identifiers/?state=revoked").content.decode()
    export = client.get("/catalog/identifiers/?format=csv")
    text = export.content.decode("utf-8-sig")
    assert export["Content-Type"].startswith("text/csv")
    assert identifier.code in text and "'=HYPERLINK(1)" in text  # formula escaped


def test_anonymous_is_sent_to_login(client):
    response = client.get("/catalog/identifiers/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_provider_creates_a_key_shown_once_and_stored_hashed_then_revokes_it(client, make_user):
    provider = ProviderFactory()
    user = make_user("provider", organization=provider.organization)
    client.force_login(user)
    response = client.post("/catalog/provider/api-keys/", {"name": "资源系统对接"})
    assert response.status_code == 200
    raw_key = response.context["raw_key"]
    assert raw_key and raw_key in response.content.decode()
    api_key = ProviderApiKey.objects.get(provider=provider)
    assert raw_key not in (api_key.key_hash, api_key.prefix) and api_key.key_hash != raw_key
    assert raw_key not in client.get("/catalog/provider/api-keys/").content.decode()  # shown once
    assert services.api_key_authenticate(raw_key=raw_key) == api_key
    client.post(f"/catalog/provider/api-keys/{api_key.pk}/revoke/")
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None and api_key.revoked_by == user
    assert services.api_key_authenticate(raw_key=raw_key) is None


def test_keys_are_managed_only_by_the_providers_own_staff(client, make_user):
    provider, other = ProviderFactory(), ProviderFactory()
    other_key, _ = services.api_key_create(provider=other, name="B", actor=make_user("provider"))
    client.force_login(make_user("provider", organization=provider.organization))
    assert client.post(f"/catalog/provider/api-keys/{other_key.pk}/revoke/").status_code == 404
    other_key.refresh_from_db()
    assert other_key.revoked_at is None
    client.force_login(make_user("applicant", organization=provider.organization))  # member, wrong role
    assert client.post("/catalog/provider/api-keys/", {"name": "x"}).status_code == 403
    assert ProviderApiKey.objects.filter(provider=provider).count() == 0


def test_blank_key_name_is_a_field_error_and_creates_nothing(client, make_user):
    provider = ProviderFactory()
    client.force_login(make_user("provider", organization=provider.organization))
    response = client.post("/catalog/provider/api-keys/", {"name": ""})
    assert response.status_code == 200 and response.context["form"].errors["name"]
    assert not ProviderApiKey.objects.exists()


def test_operator_suspends_an_identifier_with_a_reason_and_illegal_moves_are_field_errors(client, make_user):
    identifier = services.identifier_issue(record=ComputeResourceFactory(), actor=None)
    url = f"/catalog/identifiers/{identifier.pk}/"
    client.force_login(make_user("provider"))
    assert client.post(url, {"to_state": "revoked", "reason": "x"}).status_code == 403
    operator = make_user("node_operator")
    client.force_login(operator)
    illegal = client.post(url, {"to_state": "active", "reason": "直接启用"})  # issued -> active is not allowed
    assert illegal.status_code == 200 and illegal.context["form"].errors["to_state"]
    blank = client.post(url, {"to_state": "suspended", "reason": ""})
    assert blank.status_code == 200 and blank.context["form"].errors["reason"]
    identifier.refresh_from_db()
    assert identifier.state == "issued" and identifier.events.count() == 1
    done = client.post(url, {"to_state": "suspended", "reason": "资源信息核查中"})
    assert done.status_code == 302
    identifier.refresh_from_db()
    assert identifier.state == "suspended"
    event = identifier.events.last()
    assert (event.actor, event.reason) == (operator, "资源信息核查中")
    assert "资源信息核查中" in client.get(url).content.decode()
