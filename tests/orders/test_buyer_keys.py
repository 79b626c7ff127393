"""Buyer organisations' API keys: the organisation's purchases only (orders, access, usage, statements),
404 for everything else, dead once revoked; the key page shows a new key once."""

import pytest

from orders.access import AccessDetails, access_attach
from orders.buyer_keys import buyer_key_create
from orders.models import BuyerApiKey

pytestmark = pytest.mark.django_db


def test_buyer_key_sees_its_organisations_orders_only(client, market, confirmed):
    access_attach(
        order=confirmed, actor=market.staff["chengdu"], details=AccessDetails(endpoint="ssh://h", credential="pw-k")
    )
    _key, raw = buyer_key_create(actor=market.user, name="erp")
    own = {"HTTP_AUTHORIZATION": f"Buyer-Key {raw}"}
    assert [row["id"] for row in client.get("/api/v1/orders/", **own).json()["results"]] == [confirmed.pk]
    assert client.get(f"/api/v1/orders/{confirmed.pk}/access/", **own).json()["credential"] == "pw-k"
    assert client.get("/api/v1/statements/", **own).status_code == 200
    assert client.post("/api/v1/usage/", {}, content_type="application/json", **own).status_code == 404
    assert client.post(f"/api/v1/orders/{confirmed.pk}/activate/", **own).status_code == 404

    # a key of the provider's organisation (created by its staff) never sees the provider's sales
    _key, provider_raw = buyer_key_create(actor=market.staff["chengdu"], name="x")
    provider_side = {"HTTP_AUTHORIZATION": f"Buyer-Key {provider_raw}"}
    assert client.get("/api/v1/orders/", **provider_side).json()["results"] == []
    assert client.get(f"/api/v1/orders/{confirmed.pk}/access/", **provider_side).status_code == 404
    _key, stranger_raw = buyer_key_create(actor=market.stranger, name="x")
    foreign = {"HTTP_AUTHORIZATION": f"Buyer-Key {stranger_raw}"}
    assert client.get(f"/api/v1/orders/{confirmed.pk}/", **foreign).status_code == 404
    assert client.get(f"/api/v1/orders/{confirmed.pk}/access/", **foreign).status_code == 404

    client.force_login(market.user)
    key = BuyerApiKey.objects.get(created_by=market.user)
    assert client.post("/orders/api-keys/", {"action": "revoke", "key": key.pk}).status_code == 302
    client.logout()
    assert client.get("/api/v1/orders/", **own).status_code in (401, 403)


def test_key_page_shows_a_new_key_once_and_refuses_other_organisations_keys(client, market):
    client.force_login(market.user)
    response = client.post("/orders/api-keys/", {"action": "create", "name": "财务系统"})
    body = response.content.decode()
    assert response.status_code == 200 and "cnb_" in body
    key = BuyerApiKey.objects.get()
    assert key.key_hash not in body and "cnb_" not in client.get("/orders/api-keys/").content.decode()
    assert client.post("/orders/api-keys/", {"action": "create", "name": ""}).status_code == 400
    client.force_login(market.stranger)
    assert client.post("/orders/api-keys/", {"action": "revoke", "key": key.pk}).status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None
