"""Holds and orders through the demand process: hold → confirm → order, expiry, decline, cancellation,
and availability (reported − held − allocated) wherever users see it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from catalog.snapshots import resource_snapshots
from orders import services as order_services
from orders.models import Hold, HoldState, Order, OrderState
from orders.selectors import capacity_of
from workflows.demand import services
from workflows.demand.models import DemandStatus, SchedulingRecord, SchedulingStatus

pytestmark = pytest.mark.django_db


def taken(resource) -> tuple[int, int]:
    row = capacity_of(resource_id=resource.pk)
    return row["held_units"], row["allocated_units"]


def free(resource) -> int:
    return resource_snapshots(record_ids=[resource.pk])[resource.pk]["available_units"]


def test_accept_holds_the_cards_and_confirmation_turns_them_into_an_order(market, accepted):
    chengdu = market.resources["chengdu"]
    demand = accepted()
    hold = Hold.objects.get()
    assert (hold.state, hold.cards, hold.units, hold.buyer_id) == (HoldState.HELD, 6, 6, market.user.organization_id)
    assert timedelta(minutes=29) < hold.expires_at - timezone.now() <= timedelta(minutes=30)
    assert taken(chengdu) == (6, 0) and free(chengdu) == 2
    chengdu.refresh_from_db()
    assert chengdu.available_units == 8  # the provider's report is never rewritten

    record = SchedulingRecord.objects.get(demand=demand)
    services.scheduling_confirm(record=record, actor=market.staff["chengdu"])
    order = Order.objects.get()
    hold.refresh_from_db()
    assert hold.state == HoldState.CONFIRMED and hold.order == order
    assert taken(chengdu) == (0, 6) and free(chengdu) == 2
    assert order.state == OrderState.CONFIRMED
    assert (order.provider, order.buyer_id, order.hours) == (
        market.providers["chengdu"],
        market.user.organization_id,
        24,
    )
    line = order.lines.get()
    assert (line.resource, line.cards, line.unit_price_yuan) == (chengdu, 6, Decimal("12.00"))
    assert order.compute_yuan == Decimal("12.00") * 6 * 24 == line.amount_yuan
    assert order.total_yuan == order.compute_yuan + order.line_yuan
    assert LogEntry.objects.get_for_object(order).exists()

    order_services.order_activate(order=order, actor=market.staff["chengdu"])
    order_services.order_complete(order=order, actor=market.staff["chengdu"])
    order.refresh_from_db()
    assert order.state == OrderState.COMPLETED and order.ended_at is not None
    assert taken(chengdu) == (0, 0) and free(chengdu) == 8
    assert LogEntry.objects.get_for_object(order).count() >= 3


def test_a_second_buyer_cannot_accept_the_cards_already_held(market, submit):
    chengdu = market.resources["chengdu"]
    first = submit(max_latency_ms="5", card_count=6)
    second = services.demand_submit(
        user=market.stranger,
        data={**_data(), "card_count": 6},
    )
    # both were offered Chengdu (8 free when they were matched)
    assert chengdu in second.matches.get(rank=1).resources.all()
    services.demand_accept(demand=first, match_id=first.matches.get(rank=1).pk, actor=market.user)
    with pytest.raises(ValidationError) as error:
        services.demand_accept(demand=second, match_id=second.matches.get(rank=1).pk, actor=market.stranger)
    assert "余量不足" in str(error.value)
    second.refresh_from_db()
    assert second.status == DemandStatus.MATCHED
    assert Hold.objects.count() == 1 and taken(chengdu) == (6, 0)


def _data():
    from tests.workflows.demand.conftest import demand_data

    return demand_data(max_latency_ms="5")


def test_expired_holds_give_the_cards_back(market, accepted):
    chengdu = market.resources["chengdu"]
    accepted()
    assert order_services.holds_expire() == 0  # not yet
    assert order_services.holds_expire(now=timezone.now() + timedelta(minutes=31)) == 1
    assert Hold.objects.get().state == HoldState.EXPIRED
    assert taken(chengdu) == (0, 0) and free(chengdu) == 8


def test_ttl_comes_from_the_setting(market, accepted, settings):
    settings.HOLD_TTL_MINUTES = 5
    accepted()
    left = Hold.objects.get().expires_at - timezone.now()
    assert timedelta(minutes=4) < left <= timedelta(minutes=5)


def test_confirming_an_expired_hold_takes_the_cards_again_if_they_are_still_there(market, accepted):
    chengdu = market.resources["chengdu"]
    demand = accepted()
    order_services.holds_expire(now=timezone.now() + timedelta(minutes=31))
    services.scheduling_confirm(record=SchedulingRecord.objects.get(demand=demand), actor=market.staff["chengdu"])
    assert Order.objects.count() == 1 and taken(chengdu) == (0, 6)


def test_confirming_an_expired_hold_whose_cards_are_gone_changes_nothing(market, accepted):
    chengdu = market.resources["chengdu"]
    demand = accepted()
    order_services.holds_expire(now=timezone.now() + timedelta(minutes=31))
    accepted(card_count=4, user=market.stranger)  # someone else holds 4 of the 8 meanwhile
    record = SchedulingRecord.objects.get(demand=demand)
    with pytest.raises(ValidationError) as error:
        services.scheduling_confirm(record=record, actor=market.staff["chengdu"])
    assert "已过期" in str(error.value)
    record.refresh_from_db()
    assert record.status == SchedulingStatus.PENDING
    assert not Order.objects.exists() and taken(chengdu) == (4, 0)


def test_decline_releases_the_hold(market, accepted):
    chengdu = market.resources["chengdu"]
    demand = accepted()
    record = SchedulingRecord.objects.get(demand=demand)
    services.scheduling_decline(record=record, actor=market.staff["chengdu"], reason="维护中")
    assert Hold.objects.get().state == HoldState.RELEASED
    assert taken(chengdu) == (0, 0) and free(chengdu) == 8
    assert not Order.objects.exists()


def test_buyer_cancels_a_confirmed_order_but_not_an_active_one(market, confirmed):
    chengdu = market.resources["chengdu"]
    with pytest.raises(ValidationError) as error:
        order_services.order_cancel(order=confirmed, actor=market.user, reason="")
    assert "reason" in error.value.message_dict
    assert taken(chengdu) == (0, 6)
    order_services.order_cancel(order=confirmed, actor=market.user, reason="项目推迟")
    confirmed.refresh_from_db()
    assert confirmed.state == OrderState.CANCELLED and confirmed.cancel_reason == "项目推迟"
    assert taken(chengdu) == (0, 0)
    with pytest.raises(ValidationError):  # cancelled twice: refused, counters untouched
        order_services.order_cancel(order=confirmed, actor=market.staff["chengdu"], reason="再次")
    assert taken(chengdu) == (0, 0)


def test_buyer_cannot_cancel_an_active_order_the_provider_can(market, confirmed):
    order_services.order_activate(order=confirmed, actor=market.staff["chengdu"])
    with pytest.raises(ValidationError):
        order_services.order_cancel(order=confirmed, actor=market.user, reason="不要了")
    order_services.order_cancel(order=confirmed, actor=market.staff["chengdu"], reason="硬件故障")
    assert taken(market.resources["chengdu"]) == (0, 0)


def test_other_organisations_cannot_act_on_an_order(market, confirmed):
    for outsider in (market.stranger, market.staff["mianyang"]):
        with pytest.raises(PermissionDenied):
            order_services.order_cancel(order=confirmed, actor=outsider, reason="x")
        with pytest.raises(PermissionDenied):
            order_services.order_activate(order=confirmed, actor=outsider)
    with pytest.raises(PermissionDenied):  # the buyer does not start the provider's service
        order_services.order_activate(order=confirmed, actor=market.user)
    confirmed.refresh_from_db()
    assert confirmed.state == OrderState.CONFIRMED


def test_a_push_below_what_is_allocated_is_accepted_and_flagged(market, confirmed):
    from catalog.services import record_update_status
    from orders.selectors import over_allocated

    chengdu = market.resources["chengdu"]
    record_update_status(record=chengdu, changes={"available_units": 4})
    chengdu.refresh_from_db()
    assert chengdu.available_units == 4  # accepted
    assert list(over_allocated().values_list("resource_id", flat=True)) == [chengdu.pk]
    assert free(chengdu) == 0
    record_update_status(record=chengdu, changes={"available_units": 10})
    assert not over_allocated().exists()


def test_holds_expire_runs_on_the_worker_schedule():
    from portal.worker.schedule import entry_named

    entry = entry_named("holds_expire")
    assert entry.task == "orders.tasks.holds_expire" and entry.every == {"seconds": 30}


def test_hold_changes_reach_the_feed_and_the_selection_index(market, accepted):
    from catalog.services import record_approve
    from changes.models import Change
    from changes.registry import snapshots_build
    from search.backends.database import DatabaseBackend
    from search.query import ComputeQuery

    chengdu = market.resources["chengdu"]
    record_approve(record=chengdu, actor=None)
    backend = DatabaseBackend()

    def shown() -> int:
        hits = backend.search(ComputeQuery(q=chengdu.name)).results
        return next(hit["available_units"] for hit in hits if hit["id"] == chengdu.pk)

    assert shown() == 8
    accepted()
    assert Change.objects.filter(record_type="resource", record_id=chengdu.pk, kind="capacity").exists()
    snapshot = snapshots_build(record_type="resource", record_ids=[chengdu.pk])[chengdu.pk]  # what ws/live sends
    assert (snapshot["available_units"], snapshot["reported_units"]) == (2, 8)
    assert shown() == 2
    order_services.holds_expire(now=timezone.now() + timedelta(minutes=31))
    assert shown() == 8


def test_a_push_below_the_allocation_tells_the_operators_once_until_resolved(
    market, confirmed, mailoutbox, settings, django_capture_on_commit_callbacks
):
    from auditlog.models import LogEntry

    from catalog.services import record_update_status
    from orders.tasks import holds_expire

    settings.SECURITY_ALERT_EMAILS = ["ops@example.com"]
    chengdu = market.resources["chengdu"]
    record_update_status(record=chengdu, changes={"available_units": 4})
    with django_capture_on_commit_callbacks(execute=True):
        assert holds_expire.func()["over_allocated"] == 1
    assert len(mailoutbox) == 1 and chengdu.name in mailoutbox[0].body and "ops@example.com" in mailoutbox[0].to
    assert "低于已分配" in mailoutbox[0].subject
    with django_capture_on_commit_callbacks(execute=True):
        assert holds_expire.func()["over_allocated"] == 0  # still low: no second notice
    assert len(mailoutbox) == 1

    record_update_status(record=chengdu, changes={"available_units": 10})
    holds_expire.func()
    record_update_status(record=chengdu, changes={"available_units": 3})
    with django_capture_on_commit_callbacks(execute=True):
        assert holds_expire.func()["over_allocated"] == 1  # low again after it was resolved: told again
    assert len(mailoutbox) == 2
    marks = LogEntry.objects.filter(additional_data__has_key="over_allocated").order_by("pk")
    assert [entry.additional_data["over_allocated"] for entry in marks] == ["flagged", "resolved", "flagged"]
