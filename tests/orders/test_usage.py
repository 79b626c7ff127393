"""hold → confirm → order → access → usage → statement, over the API and the pages; idempotent usage
records; statements per month and per order with CSV / XLSX / PDF exports; 404 across organisations."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.utils import timezone
from openpyxl import load_workbook

from catalog.services.api_keys import api_key_create
from orders import services as order_services
from orders.models import Capacity, Hold, HoldState, UsageRecord

pytestmark = pytest.mark.django_db


def key_headers(market, name="chengdu"):
    _key, raw = api_key_create(provider=market.providers[name], name="ops", actor=market.staff[name])
    return {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}


def usage(order, resource, record_id="u-1", card_hours="12", **overrides):
    end = timezone.now().replace(microsecond=0)
    data = {
        "record_id": record_id,
        "order_id": order.pk,
        "resource_id": resource.pk,
        "card_hours": card_hours,
        "started_at": (end - timedelta(hours=2)).isoformat(),
        "ended_at": end.isoformat(),
        "job_id": "job-7",
    }
    data.update(overrides)
    return data


def test_full_flow_from_order_to_statement(client, market, confirmed):
    chengdu = market.resources["chengdu"]
    own = key_headers(market)
    assert client.post(f"/api/v1/orders/{confirmed.pk}/activate/", **own).status_code == 200
    response = client.put(
        f"/api/v1/orders/{confirmed.pk}/access/",
        {"endpoint": "ssh://gpu.example.cn:22", "account": "u1", "credential": "pw-1"},
        content_type="application/json",
        **own,
    )
    assert response.status_code == 200 and response.json()["attached"] is True

    body = usage(confirmed, chengdu)
    first = client.post("/api/v1/usage/", body, content_type="application/json", **own)
    assert first.status_code == 201
    # 12 card-hours at ¥12.00 per card-hour
    assert Decimal(first.json()["amount_yuan"]) == Decimal("144.00")
    again = client.post("/api/v1/usage/", body, content_type="application/json", **own)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    changed = client.post("/api/v1/usage/", {**body, "card_hours": "11"}, content_type="application/json", **own)
    assert changed.status_code == 409 and "record_id" in changed.json()
    assert UsageRecord.objects.count() == 1
    client.post("/api/v1/usage/", usage(confirmed, chengdu, "u-2", "6"), content_type="application/json", **own)

    client.force_login(market.user)
    month = timezone.localtime().strftime("%Y-%m")
    statement = client.get(f"/api/v1/statements/?month={month}").json()
    assert Decimal(statement["card_hours"]) == Decimal("18") and Decimal(statement["amount_yuan"]) == Decimal("216")
    assert statement["lines"][0]["order_number"] == confirmed.number and statement["lines"][0]["records"] == 2
    page = client.get(f"/orders/statements/?month={month}").content.decode()
    assert confirmed.number in page and "216" in page
    csv = client.get(f"/orders/statements/?month={month}&side=buyer&format=csv")
    assert csv.status_code == 200 and confirmed.number in csv.content.decode("utf-8-sig")
    xlsx = client.get(f"/orders/{confirmed.pk}/statement/?format=xlsx")
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert rows[1][1] == confirmed.number and rows[-1][8] == 216
    pdf = client.get(f"/orders/{confirmed.pk}/statement/?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    order_pdf = client.get(f"/orders/{confirmed.pk}/pdf/")
    assert order_pdf["Content-Type"] == "application/pdf" and order_pdf.content.startswith(b"%PDF-")
    assert "18" in client.get(f"/orders/{confirmed.pk}/").content.decode()

    client.force_login(market.staff["chengdu"])
    sold = client.get(f"/api/v1/statements/?month={month}&side=provider").json()
    assert Decimal(sold["amount_yuan"]) == Decimal("216")
    page = client.get("/orders/statements/").content.decode()  # provider staff who bought nothing: their sales
    assert "本单位提供的算力账单" in page and confirmed.number in page
    assert client.get(f"/orders/{confirmed.pk}/pdf/").status_code == 200


def test_usage_is_refused_before_activation_and_beyond_the_order(client, market, confirmed):
    chengdu = market.resources["chengdu"]
    own = key_headers(market)
    early = client.post("/api/v1/usage/", usage(confirmed, chengdu), content_type="application/json", **own)
    assert early.status_code == 400 and "order" in early.json()
    client.post(f"/api/v1/orders/{confirmed.pk}/activate/", **own)
    other = market.resources["mianyang"]
    wrong = client.post("/api/v1/usage/", usage(confirmed, other), content_type="application/json", **own)
    assert wrong.status_code == 400 and "resource" in wrong.json()
    # 6 cards for 2 hours is 12 card-hours at most
    too_much = client.post(
        "/api/v1/usage/", usage(confirmed, chengdu, card_hours="13"), content_type="application/json", **own
    )
    assert too_much.status_code == 400 and "card_hours" in too_much.json()
    reversed_period = usage(confirmed, chengdu)
    reversed_period["started_at"], reversed_period["ended_at"] = (
        reversed_period["ended_at"],
        reversed_period["started_at"],
    )
    assert client.post("/api/v1/usage/", reversed_period, content_type="application/json", **own).status_code == 400
    assert UsageRecord.objects.count() == 0


def test_other_organisations_get_404(client, market, confirmed):
    chengdu = market.resources["chengdu"]
    client.post(f"/api/v1/orders/{confirmed.pk}/activate/", **key_headers(market))
    foreign = key_headers(market, "mianyang")
    pushed = client.post("/api/v1/usage/", usage(confirmed, chengdu), content_type="application/json", **foreign)
    assert pushed.status_code == 404
    put = client.put(
        f"/api/v1/orders/{confirmed.pk}/access/",
        {"endpoint": "x", "credential": "y"},
        content_type="application/json",
        **foreign,
    )
    assert put.status_code == 404
    assert client.get(f"/api/v1/orders/{confirmed.pk}/access/", **foreign).status_code == 404
    client.post("/api/v1/usage/", usage(confirmed, chengdu), content_type="application/json", **key_headers(market))
    assert client.get("/api/v1/usage/", **foreign).json()["results"] == []
    assert client.get("/api/v1/statements/", **foreign).json()["lines"] == []
    client.force_login(market.stranger)
    for url in (
        f"/orders/{confirmed.pk}/pdf/",
        f"/orders/{confirmed.pk}/access/",
        f"/orders/{confirmed.pk}/statement/",
    ):
        assert client.get(url).status_code == 404
    assert client.get("/api/v1/usage/").json()["results"] == []
    assert client.get(f"/api/v1/orders/{confirmed.pk}/access/").status_code == 404
    # a buyer cannot push usage nor attach access to its own order
    client.force_login(market.user)
    assert (
        client.post("/api/v1/usage/", usage(confirmed, chengdu, "u-9"), content_type="application/json").status_code
        == 404
    )
    assert (
        client.put(
            f"/api/v1/orders/{confirmed.pk}/access/",
            {"endpoint": "x", "credential": "y"},
            content_type="application/json",
        ).status_code
        == 404
    )
    assert client.get("/orders/statements/?month=2026-13").status_code == 400


def test_capacity_changes_and_bulk_expiry_are_audited(market, accepted):
    accepted()
    capacity = Capacity.objects.get(resource=market.resources["chengdu"])
    entries = LogEntry.objects.get_for_object(capacity)
    assert entries.count() == 1 and entries.get().changes == {"held_units": ["0", "6"]}
    hold = Hold.objects.get()
    assert order_services.holds_expire(now=hold.expires_at + timedelta(seconds=1)) == 1
    hold.refresh_from_db()
    assert hold.state == HoldState.EXPIRED
    assert LogEntry.objects.get_for_object(hold).filter(changes__state=["held", "expired"]).exists()
    assert LogEntry.objects.get_for_object(capacity).latest("timestamp").changes == {"held_units": ["6", "0"]}


def test_openapi_documents_access_usage_and_statements(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert {"/api/v1/orders/{id}/access/", "/api/v1/usage/", "/api/v1/statements/"} <= set(schema["paths"])
    assert "409" in schema["paths"]["/api/v1/usage/"]["post"]["responses"]
