"""Demand matching across the network, the demanding node's side (workflows/demand/network*.py): a resource
synced from an industry node below is offered with its source node; accepting holds it at that node (the
request down the network is replaced here by a stub); an unreachable or refusing node leaves nothing
half-done; the outcome reported by that node decides the scheduling record; another node may not report it."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.test import TestCase

from federation.downlink import NodeUnreachable
from federation.models import Peer, SyncedRecord
from orders.models import Capacity, Hold, NetworkHold
from tests.workflows.demand.conftest import demand_data, market  # noqa: F401  (a fixture)
from workflows.demand import network, services
from workflows.demand.models import DemandStatus, MatchState, SchedulingRecord, SchedulingStatus
from workflows.demand.network_outcome import hold_outcome_receive
from workflows.demand.serializers import AllotmentSerializer

MODEL = "NVIDIA A100 80GB (SXM4)"
CODE = "CN.510000.C15/A00000012B"  # a well-formed identifier (its check character)


@pytest.fixture
def industry(db):
    peer = Peer.objects.create(
        name="酒的制造业行业节点", role="industry", prefix="CN.510000.C15", url="http://127.0.0.1:9"
    )
    record = SyncedRecord.objects.create(
        identifier=CODE,
        record_type="resource",
        source_prefix=peer.prefix,
        source_name=peer.name,
        source_url=f"http://127.0.0.1:9/catalog/r/{CODE}/",
        peer=peer,
        position=7,
        snapshot={
            "name": "酿造工艺智算集群",
            "provider": "宜宾酒业智算有限公司",
            "site": "宜宾数据中心",
            "state": "online",
            "resource_class": "intelligent",
            "accelerator_model": MODEL,
            "accelerators_per_node": 8,
            "billing_unit": "card_hour",
            "price_yuan": "5.00",
            "available_units": 8,
            "province_code": "510000",
        },
    )
    return peer, record


def _submit(user, **overrides):
    return services.demand_submit(user=user, data=demand_data(card_count=8, **overrides))


def _synced_match(demand):
    return next(m for m in demand.matches.all() if any(a.synced_identifier for a in m.allotments.all()))


def test_a_synced_resource_is_offered_with_its_source_node(market, industry):  # noqa: F811
    demand = _submit(market.user)
    match = _synced_match(demand)  # the industry node's ¥5 cards, offered beside the local ones
    [allotment] = match.allotments.all()
    assert (allotment.resource_id, allotment.synced_identifier, allotment.cards) == (None, CODE, 8)
    assert allotment.price_yuan == Decimal("5.00") * 8 * 24
    assert "酿造工艺智算集群 来自下级节点 酒的制造业行业节点（CN.510000.C15）" in match.explanation_text
    assert "无专线，经公网访问" in match.explanation_text  # explained like a local resource
    data = AllotmentSerializer(allotment).data
    assert data["identifier"] == CODE and data["source_node"]["prefix"] == "CN.510000.C15"
    assert data["source_node"]["record_url"].endswith(f"/catalog/r/{CODE}/")
    local = [a for m in demand.matches.all() for a in m.allotments.all() if a.resource_id]
    assert local and AllotmentSerializer(local[0]).data["source_node"] is None


def test_only_records_of_an_active_node_below_or_registered_below_it_are_offered(market, industry):  # noqa: F811
    peer, record = industry
    record.source_prefix = "CN.510000.C15.X"  # forwarded from a node below it this node does not know of
    record.save()
    assert not any(a.synced_identifier for m in _submit(market.user).matches.all() for a in m.allotments.all())
    below = Peer.objects.create(name="下级节点", role="industry", prefix="CN.510000.C15.X", via=peer)
    assert any(a.synced_identifier for m in _submit(market.user).matches.all() for a in m.allotments.all())
    below.state = "revoked"  # the node it relays holds to was revoked: not offered
    below.save()
    assert not any(a.synced_identifier for m in _submit(market.user).matches.all() for a in m.allotments.all())
    record.source_prefix = peer.prefix
    record.save()
    peer.state = "revoked"
    peer.save()
    assert not any(a.synced_identifier for m in _submit(market.user).matches.all() for a in m.allotments.all())


def test_an_unreachable_node_leaves_nothing_half_done(market, industry, monkeypatch):  # noqa: F811
    def down(**kwargs):
        raise NodeUnreachable("connection refused")

    monkeypatch.setattr(network, "downlink_request", down)
    demand = services.demand_submit(user=market.user, data=demand_data(card_count=12))
    match = next(
        m
        for m in demand.matches.all()
        if any(a.synced_identifier for a in m.allotments.all()) and any(a.resource_id for a in m.allotments.all())
    )  # a plan of local cards and the industry node's
    with pytest.raises(ValidationError) as refused:
        services.demand_accept(demand=demand, match_id=match.pk, actor=market.user)
    assert "资源所属节点 酒的制造业行业节点（CN.510000.C15） 暂时无法连接" in refused.value.messages[0]
    demand.refresh_from_db()
    match.refresh_from_db()
    assert (demand.status, match.state) == (DemandStatus.MATCHED, MatchState.OFFERED)
    assert Hold.objects.count() == 0 and NetworkHold.objects.count() == 0 and SchedulingRecord.objects.count() == 0
    assert set(Capacity.objects.values_list("held_units", flat=True)) <= {0}


def test_a_refusal_below_is_shown_and_rolls_back(market, industry, monkeypatch):  # noqa: F811
    monkeypatch.setattr(network, "downlink_request", lambda **kwargs: (409, {"cards": ["余量不足"]}))
    demand = _submit(market.user)
    with pytest.raises(ValidationError) as refused:
        services.demand_accept(demand=demand, match_id=_synced_match(demand).pk, actor=market.user)
    assert "未能预留“酿造工艺智算集群”：余量不足" in refused.value.messages[0]
    assert NetworkHold.objects.count() == 0 and SchedulingRecord.objects.count() == 0


@pytest.fixture
def accepted_remote(market, industry, monkeypatch):  # noqa: F811
    sent = []

    def answer(*, peer, method, path, payload=None, idempotency_key=""):
        sent.append((peer.prefix, path, payload))
        return 201, {"request_key": (payload or {}).get("request_key"), "state": "held"}

    monkeypatch.setattr(network, "downlink_request", answer)
    demand = _submit(market.user)
    services.demand_accept(demand=demand, match_id=_synced_match(demand).pk, actor=market.user)
    return demand, sent


def test_accepting_holds_the_cards_at_the_owning_node(market, accepted_remote):  # noqa: F811
    demand, sent = accepted_remote
    [(prefix, path, payload)] = sent
    assert (prefix, path, payload["identifier"], payload["cards"], payload["hours"]) == (
        "CN.510000.C15",
        "/api/v1/network/holds/",
        CODE,
        8,
        24,
    )
    assert payload["unit_price_yuan"] == "5.00" and payload["buyer"] == market.user.organization.name
    [row] = NetworkHold.objects.all()
    assert (row.direction, row.peer_prefix, row.state, row.request_key) == (
        "out",
        "CN.510000.C15",
        "held",
        payload["request_key"],
    )
    [record] = SchedulingRecord.objects.filter(demand=demand)
    assert (record.provider_id, record.remote_node, record.remote_provider, record.status) == (
        None,
        "CN.510000.C15",
        "宜宾酒业智算有限公司",
        SchedulingStatus.PENDING,
    )
    assert record.provider_display == "宜宾酒业智算有限公司（酒的制造业行业节点）"


def test_the_owning_nodes_confirmation_schedules_the_demand(market, industry, accepted_remote):  # noqa: F811
    demand, _sent = accepted_remote
    row = NetworkHold.objects.get()
    other = Peer.objects.create(
        name="电子信息行业节点", role="industry", prefix="CN.510000.C39", url="http://127.0.0.1:8"
    )
    with pytest.raises(Http404):  # only the node the hold was placed at may report it
        hold_outcome_receive(peer=other, request_key=row.request_key, state="confirmed", reason="", order_number="")
    hold_outcome_receive(
        peer=industry[0], request_key=row.request_key, state="confirmed", reason="", order_number="DD20261207-000001"
    )
    demand.refresh_from_db()
    assert demand.status == DemandStatus.CONFIRMED
    assert SchedulingRecord.objects.get(demand=demand).status == SchedulingStatus.CONFIRMED
    row.refresh_from_db()
    assert (row.state, row.order_number) == ("confirmed", "DD20261207-000001")
    # a repeat changes nothing
    hold_outcome_receive(peer=industry[0], request_key=row.request_key, state="declined", reason="x", order_number="")
    assert SchedulingRecord.objects.get(demand=demand).status == SchedulingStatus.CONFIRMED


def test_an_expiry_below_declines_the_plan(market, industry, accepted_remote):  # noqa: F811
    demand, _sent = accepted_remote
    row = NetworkHold.objects.get()
    hold_outcome_receive(peer=industry[0], request_key=row.request_key, state="expired", reason="", order_number="")
    record = SchedulingRecord.objects.get(demand=demand)
    assert (record.status, record.decline_reason) == (SchedulingStatus.DECLINED, "下级节点的资源预留已过期")
    demand.refresh_from_db()
    assert demand.status in (DemandStatus.MATCHED, DemandStatus.UNFULFILLED)


def test_a_local_decline_withdraws_the_holds_below(market, industry, monkeypatch):  # noqa: F811
    calls = []

    def answer(*, peer, method, path, payload=None, idempotency_key=""):
        calls.append(path)
        return (201 if path.endswith("/holds/") else 200), {}

    monkeypatch.setattr(network, "downlink_request", answer)
    demand = services.demand_submit(user=market.user, data=demand_data(card_count=12))
    match = next(
        m
        for m in demand.matches.all()
        if any(a.synced_identifier for a in m.allotments.all()) and any(a.resource_id for a in m.allotments.all())
    )
    services.demand_accept(demand=demand, match_id=match.pk, actor=market.user)
    local = SchedulingRecord.objects.get(demand=demand, provider__isnull=False)
    staff = next(s for s in market.staff.values() if s.organization_id == local.provider.organization_id)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.scheduling_decline(record=local, actor=staff, reason="满载")
    assert NetworkHold.objects.get().state == "released"
    assert calls[-1].endswith("/withdraw/")
