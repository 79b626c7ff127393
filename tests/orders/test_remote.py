"""Holds across nodes, the owning node's side (orders/remote.py, orders/remote_api.py, federation/downlink.py):
its upstream node's request holds the cards like a local buyer's; a repeat is answered once; what it does
not have is a 404, too few cards or a changed price a 409; its provider confirms (an order) or declines,
an unconfirmed request expires, and each outcome is queued upward; only its upstream node may ask (403
for another key, 401 unsigned, 404 on a node without an upstream)."""

import json
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from rest_framework.test import APIClient

from catalog.services import identifier_issue
from federation import signing, upstream_keys
from federation.models import OutboxMessage, UpstreamKey, UpstreamLink
from orders import remote
from orders.models import Capacity, Hold, NetworkHold, Order
from orders.services import holds_expire
from tests.catalog.factories import ComputeResourceFactory
from tests.factories import UserFactory

PATH = "/api/v1/network/holds/"


@pytest.fixture
def link(db):
    pair = signing.generate_keypair()
    return UpstreamLink.objects.create(
        url="http://127.0.0.1:9",
        upstream_prefix="CN.510000",
        upstream_name="四川省区域节点",
        prefix="CN.510000.C15",
        role="industry",
        key_id="own-key",
        private_key=pair.private_key,
        enrolled_at=timezone.now(),
    )


@pytest.fixture
def resource(db):
    resource = ComputeResourceFactory(price_yuan=Decimal("10.00"), available_units=16, accelerators_per_node=8)
    identifier_issue(record=resource, actor=None)
    resource.refresh_from_db()
    return resource


def request_data(resource, **overrides) -> dict:
    data = {
        "request_key": "ab" * 16,
        "reference": "match:12",
        "identifier": resource.identifier.code,
        "cards": 8,
        "hours": 10,
        "unit_price_yuan": Decimal("10.00"),
        "buyer": "成都模型训练有限公司",
    }
    data.update(overrides)
    return data


def test_a_request_from_above_holds_the_cards_once(link, resource):
    answer, created = remote.network_hold_receive(link=link, data=request_data(resource))
    assert created and answer["state"] == "held" and answer["expires_at"]
    again, created_again = remote.network_hold_receive(link=link, data=request_data(resource))
    assert not created_again and again == answer
    [hold] = Hold.objects.all()
    assert (hold.reference, hold.cards, hold.units, hold.buyer_user.username) == (
        "net:" + "ab" * 16,
        8,
        8,
        "node:CN.510000",
    )
    assert not hold.buyer_user.is_active and not hold.buyer_user.has_usable_password()
    assert Capacity.objects.get(resource=resource).held_units == 8
    row = NetworkHold.objects.get()
    assert (row.direction, row.peer_prefix, row.amount_yuan, row.buyer_name) == (
        "in",
        "CN.510000",
        Decimal("800.00"),
        "成都模型训练有限公司",
    )


@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"identifier": "CN.510000.C15/A000000099"}, 404, "identifier"),
        ({"unit_price_yuan": Decimal("9.00")}, 409, "unit_price_yuan"),
        ({"cards": 17}, 409, "cards"),
    ],
)
def test_what_cannot_be_held_is_refused_and_changes_nothing(link, resource, overrides, status, field):
    with pytest.raises(remote.RequestRefused) as refused:
        remote.network_hold_receive(link=link, data=request_data(resource, **overrides))
    assert refused.value.status == status and field in refused.value.errors
    assert Hold.objects.count() == 0 and NetworkHold.objects.count() == 0


def _outcomes() -> list[dict]:
    return [m.payload for m in OutboxMessage.objects.filter(kind=remote.HOLD_OUTCOME).order_by("pk")]


def test_the_provider_confirms_an_order_and_the_outcome_goes_up(link, resource):
    remote.network_hold_receive(link=link, data=request_data(resource))
    row = NetworkHold.objects.get()
    stranger = UserFactory(roles=["provider"])
    with pytest.raises(PermissionDenied):
        remote.network_hold_confirm(row=row, actor=stranger)
    assert [r.pk for r in remote.network_holds_for_provider(user=stranger)] == []
    staff = UserFactory(roles=["provider"], organization=resource.provider.organization)
    assert [r.pk for r in remote.network_holds_for_provider(user=staff)] == [row.pk]
    row = remote.network_hold_confirm(row=row, actor=staff)
    order = Order.objects.get()
    assert (row.state, row.order_number, order.total_yuan) == ("confirmed", order.number, Decimal("800.00"))
    assert Capacity.objects.filter(resource=resource).values_list("held_units", "allocated_units").get() == (0, 8)
    [outcome] = _outcomes()
    assert outcome == {
        "request_key": "ab" * 16,
        "identifier": resource.identifier.code,
        "state": "confirmed",
        "reason": "",
        "order_number": order.number,
    }
    assert OutboxMessage.objects.get().path == "/api/v1/network/holds/outcome/"


def test_decline_expiry_and_withdrawal(link, resource):
    staff = UserFactory(roles=["provider"], organization=resource.provider.organization)
    remote.network_hold_receive(link=link, data=request_data(resource))
    remote.network_hold_decline(row=NetworkHold.objects.get(), actor=staff, reason="机房检修")
    assert Capacity.objects.get(resource=resource).held_units == 0
    remote.network_hold_receive(link=link, data=request_data(resource, request_key="cd" * 16))
    assert remote.network_holds_expire() == 0  # not yet
    holds_expire(now=timezone.now() + timedelta(minutes=31))
    assert remote.network_holds_expire() == 1
    remote.network_hold_receive(link=link, data=request_data(resource, request_key="ef" * 16))
    assert remote.network_hold_withdraw(link=link, request_key="ef" * 16, reason="方案未成立")["state"] == "released"
    assert Capacity.objects.get(resource=resource).held_units == 0
    assert [(o["state"], o["reason"]) for o in _outcomes()] == [
        ("declined", "机房检修"),
        ("expired", "服务商未在预留期限内确认。"),
    ]


def _signed(*, private_key: str, key_id: str, body: dict) -> dict:
    raw = json.dumps(body).encode()
    headers = signing.sign_headers(
        private_key=private_key,
        key_id=key_id,
        method="POST",
        path=PATH,
        body=raw,
        idempotency_key="",
        timestamp=int(time.time()),
    )
    return {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}


def test_only_the_upstream_node_may_ask(link, resource, monkeypatch):
    body = {**request_data(resource), "unit_price_yuan": "10.00"}
    client = APIClient()
    assert client.post(PATH, body, format="json").status_code == 401  # unsigned
    upstream = signing.generate_keypair()
    UpstreamKey.objects.create(key_id="down-1", public_key=upstream.public_key, upstream_prefix="CN.510000")
    # another node's key: the upstream does not know it (asked over the channel) -> 403, nothing held
    monkeypatch.setattr(
        upstream_keys, "signed_request", lambda **kwargs: {"key_id": "down-1", "public_key": upstream.public_key}
    )
    other = signing.generate_keypair()
    response = client.generic(
        "POST",
        PATH,
        json.dumps(body),
        content_type="application/json",
        **_signed(private_key=other.private_key, key_id="down-9", body=body),
    )
    assert response.status_code == 403 and Hold.objects.count() == 0
    # the upstream's own key, a bad signature: 401
    response = client.generic(
        "POST",
        PATH,
        json.dumps(body),
        content_type="application/json",
        **_signed(private_key=other.private_key, key_id="down-1", body=body),
    )
    assert response.status_code == 401
    response = client.generic(
        "POST",
        PATH,
        json.dumps(body),
        content_type="application/json",
        **_signed(private_key=upstream.private_key, key_id="down-1", body=body),
    )
    assert response.status_code == 201, response.content
    assert Hold.objects.count() == 1


def test_a_node_without_an_upstream_has_no_such_endpoint(db):
    assert APIClient().post(PATH, {}, format="json").status_code == 404


def test_another_providers_people_get_404_on_the_hold_page_and_change_nothing(client, link, resource):
    remote.network_hold_receive(link=link, data=request_data(resource))
    row = NetworkHold.objects.get()
    client.force_login(UserFactory(roles=["provider"]))
    url = f"/orders/network/{row.pk}/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "confirm"}).status_code == 404
    row.refresh_from_db()
    assert row.state == "held" and not Order.objects.exists() and _outcomes() == []
    client.force_login(UserFactory(roles=["provider"], organization=resource.provider.organization))
    assert client.get(url).status_code == 200
