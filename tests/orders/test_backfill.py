"""The data migration orders 0003: confirmed scheduling records from before holds take their cards."""

import datetime
import importlib

from django.apps import apps
from django.utils import timezone

from changes.models import Change
from orders.models import Capacity, Hold, Order, OrderState
from orders.selectors import free_units_of
from orders.services import order_complete
from workflows.demand import services
from workflows.demand.models import SchedulingRecord, SchedulingStatus

from .conftest import demand_data

backfill = importlib.import_module("orders.migrations.0004_backfill_preexisting_confirmations").backfill


def _preexisting_confirmation(market, *, hours_ago: int = 1, duration: int = 24):
    """A demand for 6 Chengdu cards confirmed the way the node did before holds: no hold, nothing counted."""
    data = demand_data(max_latency_ms="5", card_count=6, duration_hours=duration)
    demand = services.demand_submit(user=market.user, data=data)
    match = demand.matches.get(rank=1)
    services.demand_accept(demand=demand, match_id=match.pk, actor=market.user)
    Hold.objects.all().delete()
    Capacity.objects.all().delete()
    SchedulingRecord.objects.filter(demand=demand).update(
        status=SchedulingStatus.CONFIRMED,
        confirmed_at=timezone.now() - datetime.timedelta(hours=hours_ago),
        decided_by=market.staff["chengdu"],
    )
    return match


def test_a_confirmation_from_before_holds_is_allocated_once_and_can_be_completed(market):
    chengdu = market.resources["chengdu"]
    match = _preexisting_confirmation(market)
    assert free_units_of(resource_ids=[chengdu.pk])[chengdu.pk] == 8  # the old defect: all 8 still "available"
    before = Change.objects.filter(record_type="resource", record_id=chengdu.pk, kind="capacity").count()

    assert backfill(apps) == 1

    assert Capacity.objects.get(resource=chengdu).allocated_units == 6
    assert free_units_of(resource_ids=[chengdu.pk])[chengdu.pk] == 2
    order = Order.objects.get(reference=f"match:{match.pk}")
    assert (order.state, order.provider, order.buyer_user) == (OrderState.CONFIRMED, chengdu.provider, market.user)
    assert [(line.resource_id, line.cards) for line in order.lines.all()] == [(chengdu.pk, 6)]
    assert Change.objects.filter(record_type="resource", record_id=chengdu.pk, kind="capacity").count() == before + 1
    # run again (or on a database that has none left): nothing is counted twice
    assert backfill(apps) == 0
    assert Capacity.objects.get(resource=chengdu).allocated_units == 6
    # the provider ends it through the usual service: the cards come back
    from orders.services import order_activate

    order_activate(order=order, actor=market.staff["chengdu"])
    order_complete(order=order, actor=market.staff["chengdu"])
    assert free_units_of(resource_ids=[chengdu.pk])[chengdu.pk] == 8


def test_a_confirmation_whose_period_is_over_or_that_went_through_a_hold_is_left_alone(market, confirmed):
    chengdu = market.resources["chengdu"]
    assert Capacity.objects.get(resource=chengdu).allocated_units == 6  # through a hold: counted already
    assert backfill(apps) == 0
    assert Capacity.objects.get(resource=chengdu).allocated_units == 6

    _preexisting_confirmation(market, hours_ago=48, duration=24)  # ended a day ago
    assert backfill(apps) == 0
    assert not Capacity.objects.filter(allocated_units__gt=0).exists()
