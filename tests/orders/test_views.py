"""Order pages and /api/v1/orders/, /api/v1/holds/: each side sees its own; everyone else gets 404."""

import pytest

from catalog.services.api_keys import api_key_create
from orders.models import OrderState

pytestmark = pytest.mark.django_db


def test_buyer_and_provider_see_the_order_others_get_404(client, market, confirmed):
    url = f"/orders/{confirmed.pk}/"
    client.force_login(market.user)
    page = client.get(url).content.decode()
    assert confirmed.number in page and "取消订单" in page and "开通服务" not in page
    assert confirmed.number in client.get("/orders/").content.decode()
    client.force_login(market.staff["chengdu"])
    page = client.get(url).content.decode()
    assert "开通服务" in page
    assert confirmed.number in client.get("/orders/").content.decode()
    for outsider in (market.stranger, market.staff["mianyang"]):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "cancel", "reason": "x"}).status_code == 404
        assert confirmed.number not in client.get("/orders/").content.decode()
    confirmed.refresh_from_db()
    assert confirmed.state == OrderState.CONFIRMED


def test_provider_activates_and_buyer_cancel_needs_a_reason(client, market, confirmed):
    url = f"/orders/{confirmed.pk}/"
    client.force_login(market.user)
    response = client.post(url, {"action": "cancel", "reason": ""})
    assert response.status_code == 400 and "请填写取消原因。" in response.content.decode()
    client.force_login(market.staff["chengdu"])
    assert client.post(url, {"action": "activate"}).status_code == 302
    confirmed.refresh_from_db()
    assert confirmed.state == OrderState.ACTIVE


def test_demand_page_shows_the_order_and_what_is_left(client, market, confirmed):
    client.force_login(market.user)
    demand_id = confirmed.buyer_user.demands.get().pk
    page = client.get(f"/demands/{demand_id}/").content.decode()
    assert confirmed.number in page
    assert '<span data-live-field="available_units">2</span>' in page


def test_api_lists_orders_per_side_and_answers_404_across_organisations(client, market, confirmed):
    client.force_login(market.user)
    body = client.get("/api/v1/orders/").json()
    assert [row["id"] for row in body["results"]] == [confirmed.pk]
    assert client.get(f"/api/v1/orders/{confirmed.pk}/").json()["lines"][0]["cards"] == 6
    assert client.get("/api/v1/holds/").json()["results"][0]["state"] == "confirmed"
    client.force_login(market.stranger)
    assert client.get(f"/api/v1/orders/{confirmed.pk}/").status_code == 404
    assert client.post(f"/api/v1/orders/{confirmed.pk}/cancel/", {"reason": "x"}).status_code == 404
    assert client.get("/api/v1/orders/").json()["results"] == []
    assert client.get("/api/v1/holds/").json()["results"] == []
    client.logout()

    _key, raw = api_key_create(provider=market.providers["chengdu"], name="ops", actor=market.staff["chengdu"])
    own = {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}
    assert client.get(f"/api/v1/orders/{confirmed.pk}/", **own).status_code == 200
    response = client.post(f"/api/v1/orders/{confirmed.pk}/activate/", **own)
    assert response.status_code == 200 and response.json()["state"] == "active"
    _key, other = api_key_create(provider=market.providers["mianyang"], name="ops", actor=market.staff["mianyang"])
    foreign = {"HTTP_AUTHORIZATION": f"Api-Key {other}"}
    assert client.get(f"/api/v1/orders/{confirmed.pk}/", **foreign).status_code == 404
    assert client.post(f"/api/v1/orders/{confirmed.pk}/complete/", **foreign).status_code == 404
    assert client.get("/api/v1/holds/", **foreign).json()["results"] == []


def test_api_cancel_without_reason_is_a_field_error(client, market, confirmed):
    client.force_login(market.user)
    response = client.post(f"/api/v1/orders/{confirmed.pk}/cancel/", {}, content_type="application/json")
    assert response.status_code == 400 and "reason" in response.json()


def test_anonymous_is_refused(client, market, confirmed):
    assert client.get("/api/v1/orders/").status_code in (401, 403)
    assert client.get(f"/orders/{confirmed.pk}/").status_code == 302


def test_openapi_documents_holds_and_orders(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert {"/api/v1/holds/", "/api/v1/orders/", "/api/v1/orders/{id}/cancel/"} <= set(schema["paths"])
