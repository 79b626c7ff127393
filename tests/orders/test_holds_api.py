"""Writing holds over /api/v1/: a buyer key accepts a plan (cards held), a provider key confirms (one order)
or declines (cards back); other organisations and providers get 404, conflicts 409 in Chinese."""

import pytest

from catalog.services.api_keys import api_key_create
from orders.buyer_keys import buyer_key_create
from orders.models import Hold, HoldState, Order
from orders.selectors import free_units_of
from tests.workflows.demand.conftest import demand_data
from workflows.demand import services
from workflows.demand.models import DemandStatus, SchedulingStatus

pytestmark = pytest.mark.django_db


def _buyer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Buyer-Key {buyer_key_create(actor=user, name='erp')[1]}"}


def _provider(market, key: str) -> dict:
    raw = api_key_create(provider=market.providers[key], name="ops", actor=market.staff[key])[1]
    return {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}


def _demand(market, card_count: int = 6):
    demand = services.demand_submit(user=market.user, data=demand_data(max_latency_ms="5", card_count=card_count))
    return demand, demand.matches.get(rank=1)


def _post(client, url, data=None, **headers):
    return client.post(url, data or {}, content_type="application/json", **headers)


def test_accept_confirm_order_through_the_api_only(client, market):
    demand, match = _demand(market)
    chengdu = market.resources["chengdu"]
    buyer, provider = _buyer(market.user), _provider(market, "chengdu")

    accepted = _post(client, f"/api/v1/demands/{demand.pk}/accept/", {"match": match.pk}, **buyer)
    assert accepted.status_code == 201, accepted.content
    [hold] = accepted.json()["holds"]
    assert hold["state"] == "held" and hold["cards"] == 6 and hold["resource_id"] == chengdu.pk
    assert free_units_of(resource_ids=[chengdu.pk])[chengdu.pk] == 2

    # the provider sees the hold through its key and confirms it: one order, cards allocated
    listed = client.get("/api/v1/holds/", **provider).json()["results"]
    assert [row["id"] for row in listed] == [hold["id"]]
    confirmed = _post(client, f"/api/v1/holds/{hold['id']}/confirm/", **provider)
    assert confirmed.status_code == 201, confirmed.content
    order = confirmed.json()
    assert order["state"] == "confirmed" and order["lines"][0]["cards"] == 6
    assert Hold.objects.get(pk=hold["id"]).state == HoldState.CONFIRMED
    assert free_units_of(resource_ids=[chengdu.pk])[chengdu.pk] == 2
    demand.refresh_from_db()
    assert demand.status == DemandStatus.CONFIRMED

    # a retried confirm answers the same order; the buyer's key sees the order
    again = _post(client, f"/api/v1/holds/{hold['id']}/confirm/", **provider)
    assert again.status_code == 200 and again.json()["id"] == order["id"] and Order.objects.count() == 1
    assert [row["id"] for row in client.get("/api/v1/orders/", **buyer).json()["results"]] == [order["id"]]


def test_decline_releases_the_cards_and_the_plan_cannot_be_confirmed_after(client, market):
    demand, match = _demand(market)
    chengdu = market.resources["chengdu"]
    provider = _provider(market, "chengdu")
    hold_id = _post(client, f"/api/v1/demands/{demand.pk}/accept/", {"match": match.pk}, **_buyer(market.user)).json()[
        "holds"
    ][0]["id"]

    missing = _post(client, f"/api/v1/holds/{hold_id}/decline/", {"reason": ""}, **provider)
    assert missing.status_code == 400 and "reason" in missing.json()
    declined = _post(client, f"/api/v1/holds/{hold_id}/decline/", {"reason": "机房检修"}, **provider)
    assert declined.status_code == 200, declined.content
    assert [row["state"] for row in declined.json()["holds"]] == ["released"]
    assert free_units_of(resource_ids=[chengdu.pk])[chengdu.pk] == 8
    assert match.scheduling_records.get().status == SchedulingStatus.DECLINED
    assert _post(client, f"/api/v1/holds/{hold_id}/decline/", {"reason": "机房检修"}, **provider).status_code == 200

    late = _post(client, f"/api/v1/holds/{hold_id}/confirm/", **provider)
    assert late.status_code == 409 and "已处理" in late.json()["detail"]
    assert not Order.objects.exists()


def test_other_organisations_and_providers_get_404(client, market):
    demand, match = _demand(market)
    stranger = _buyer(market.stranger)
    refused = _post(client, f"/api/v1/demands/{demand.pk}/accept/", {"match": match.pk}, **stranger)
    assert refused.status_code == 404 and not Hold.objects.exists()

    buyer = _buyer(market.user)
    hold_id = _post(client, f"/api/v1/demands/{demand.pk}/accept/", {"match": match.pk}, **buyer).json()["holds"][0][
        "id"
    ]
    other_provider = _provider(market, "mianyang")
    assert _post(client, f"/api/v1/holds/{hold_id}/confirm/", **other_provider).status_code == 404
    assert _post(client, f"/api/v1/holds/{hold_id}/decline/", {"reason": "x"}, **other_provider).status_code == 404
    # the buyer's own key cannot confirm its own hold either
    assert _post(client, f"/api/v1/holds/{hold_id}/confirm/", **buyer).status_code == 404
    # a colleague in the provider's organisation without a provider role, signed in: 404 as well
    from django.contrib.auth import get_user_model

    clerk = get_user_model().objects.create_user(
        username="clerk", password="x", organization=market.providers["chengdu"].organization
    )
    client.force_login(clerk)
    assert _post(client, f"/api/v1/holds/{hold_id}/confirm/").status_code == 404
    client.logout()
    assert Hold.objects.get(pk=hold_id).state == HoldState.HELD and not Order.objects.exists()


def test_double_accept_answers_409_and_an_idempotent_retry_the_first_answer(client, market):
    demand, match = _demand(market)
    buyer = _buyer(market.user)
    url = f"/api/v1/demands/{demand.pk}/accept/"
    first = _post(client, url, {"match": match.pk}, HTTP_IDEMPOTENCY_KEY="k-1", **buyer)
    assert first.status_code == 201
    retry = _post(client, url, {"match": match.pk}, HTTP_IDEMPOTENCY_KEY="k-1", **buyer)
    assert retry.status_code == 201 and retry.json() == first.json()

    double = _post(client, url, {"match": match.pk}, **buyer)
    assert double.status_code == 409 and "无需重复操作" in double.json()["detail"]
    assert Hold.objects.count() == 1
    other = demand.matches.exclude(pk=match.pk).first()
    if other is not None:
        reused = _post(client, url, {"match": other.pk}, HTTP_IDEMPOTENCY_KEY="k-1", **buyer)
        assert reused.status_code == 422 and "幂等键" in reused.json()["Idempotency-Key"][0]


def test_short_capacity_answers_409_naming_the_resource(client, market):
    demand, match = _demand(market)
    rival, rival_match = _demand(market)
    buyer = _buyer(market.user)
    assert _post(client, f"/api/v1/demands/{demand.pk}/accept/", {"match": match.pk}, **buyer).status_code == 201
    short = _post(client, f"/api/v1/demands/{rival.pk}/accept/", {"match": rival_match.pk}, **buyer)
    assert short.status_code == 409, short.content
    assert "余量不足" in short.json()["detail"] and market.resources["chengdu"].name in short.json()["detail"]
    assert Hold.objects.filter(state=HoldState.HELD).count() == 1
    bad = _post(client, f"/api/v1/demands/{rival.pk}/accept/", {"match": match.pk}, **buyer)
    assert bad.status_code == 400 and "match" in bad.json()


def test_openapi_documents_the_hold_writes(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    text = response.content.decode()
    for path in ("/api/v1/demands/{id}/accept/", "/api/v1/holds/{id}/confirm/", "/api/v1/holds/{id}/decline/"):
        assert path in text
    assert "需求方接受匹配方案并预留资源" in text and "服务商谢绝资源预留" in text and "Idempotency-Key" in text
