"""A hold that expires before the providers confirm moves the demand process: the plan lapses, the
user sees it and picks again (or gets fresh plans); a province preference and a reliability floor on
the demand reach matching."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS, STATUS

from catalog.models import ComputeResource
from monitoring.models import ResourceReliability
from orders.models import Hold, HoldState, Order, OrderState
from orders.selectors import capacity_of
from orders.services import holds_expire
from workflows.demand import services
from workflows.demand.flows import DemandFlow
from workflows.demand.lapse import demand_plans_lapse
from workflows.demand.models import DemandStatus, MatchState, SchedulingRecord, SchedulingStatus


def open_tasks(demand, node):
    return Task.objects.filter(process_id=demand.process_id, flow_task=node, status__in=[STATUS.NEW, STATUS.ASSIGNED])


def expire_all():
    return holds_expire(now=timezone.now() + datetime.timedelta(hours=2))


def test_an_expired_hold_lapses_the_plan_and_the_user_picks_another(market, submit, client):
    demand = submit(max_latency_ms="5")
    first, second = demand.matches.order_by("rank")[:2]
    services.demand_accept(demand=demand, match_id=first.pk, actor=market.user)
    record = SchedulingRecord.objects.get(demand=demand)
    assert demand_plans_lapse() == 0  # nothing expired yet: nothing moves

    assert expire_all() == 1
    assert demand_plans_lapse() == 1

    demand.refresh_from_db()
    first.refresh_from_db()
    record.refresh_from_db()
    assert first.state == MatchState.LAPSED and record.status == SchedulingStatus.CANCELLED
    assert demand.status == DemandStatus.MATCHED and "预留已" in demand.match_summary
    assert not open_tasks(demand, DemandFlow.confirm).exists()
    [task] = open_tasks(demand, DemandFlow.accept)
    assert task.owner == market.user
    # the provider can no longer confirm the lapsed plan; running the task again changes nothing
    with pytest.raises(ValidationError):
        services.scheduling_confirm(record=record, actor=market.staff["chengdu"])
    assert demand_plans_lapse() == 0 and not Order.objects.exists()
    # the user sees it on the demand page and takes another plan (a new hold)
    client.force_login(market.user)
    page = client.get(reverse("demand:detail", kwargs={"pk": demand.pk})).content.decode()
    assert "预留已过期" in page
    services.demand_accept(demand=demand, match_id=second.pk, actor=market.user)
    assert Hold.objects.filter(reference=f"match:{second.pk}", state=HoldState.HELD).count() == 1


def test_a_confirmed_part_is_cancelled_with_the_plan_and_its_cards_come_back(market, submit):
    demand = submit(card_count=40)  # Hebei (32) and one other provider
    match = next(m for m in demand.matches.order_by("rank") if m.allotments.count() == 2)
    services.demand_accept(demand=demand, match_id=match.pk, actor=market.user)
    hebei = SchedulingRecord.objects.get(demand=demand, provider=market.providers["hebei"])
    services.scheduling_confirm(record=hebei, actor=market.staff["hebei"])
    assert capacity_of(resource_id=market.resources["hebei"].pk)["allocated_units"] == 32
    expire_all()  # the other provider's hold

    assert demand_plans_lapse() == 1

    order = Order.objects.get(reference=f"match:{match.pk}")
    assert order.state == OrderState.CANCELLED and "过期" in order.cancel_reason
    assert capacity_of(resource_id=market.resources["hebei"].pk) == {"held_units": 0, "allocated_units": 0}
    assert set(SchedulingRecord.objects.filter(demand=demand).values_list("status", flat=True)) == {
        SchedulingStatus.CANCELLED
    }


def test_with_no_other_offer_the_demand_is_planned_again_on_what_is_available_now(market, submit):
    demand = submit(max_latency_ms="5")
    first = demand.matches.get(rank=1)
    demand.matches.exclude(pk=first.pk).update(state=MatchState.CLOSED)
    services.demand_accept(demand=demand, match_id=first.pk, actor=market.user)
    expire_all()

    assert demand_plans_lapse() == 1

    demand.refresh_from_db()
    fresh = list(demand.matches.filter(state=MatchState.OFFERED).order_by("rank"))
    assert fresh and all(match.rank > 2 for match in fresh)  # numbered after the earlier offers
    assert demand.status == DemandStatus.MATCHED and "重新匹配" in demand.match_summary
    assert open_tasks(demand, DemandFlow.accept).count() == 1


def test_with_nothing_left_the_demand_ends_as_lapsed(market, submit):
    demand = submit(max_latency_ms="5")
    first = demand.matches.get(rank=1)
    demand.matches.exclude(pk=first.pk).update(state=MatchState.CLOSED)
    services.demand_accept(demand=demand, match_id=first.pk, actor=market.user)
    expire_all()
    ComputeResource.objects.update(available_units=0)

    assert demand_plans_lapse() == 1

    demand.refresh_from_db()
    assert demand.status == DemandStatus.LAPSED and "重新提交" in demand.match_summary
    assert demand.process.status == PROCESS.DONE


def test_prefer_my_province_and_a_reliability_floor_are_the_users_choice(market, submit):
    for key, score in (("chengdu", "99.90"), ("mianyang", "93.00")):
        ResourceReliability.objects.create(
            resource=market.resources[key], score_percent=Decimal(score), computed_at=timezone.now()
        )
    neutral = submit(card_count=8)
    province = neutral.matches.get(rank=1).explanation["components"][3]
    assert province["key"] == "province" and province["max"] == 0 and "未选择“优先本省”" in province["detail"]

    floored = submit(card_count=8, min_reliability_percent=Decimal("99"), prefer_my_province=True)
    assert floored.prefer_my_province and floored.min_reliability_percent == Decimal("99.00")
    resources = {pk for match in floored.matches.all() for pk in match.resources.values_list("pk", flat=True)}
    assert resources == {market.resources["chengdu"].pk}  # Mianyang is below the floor, Hebei unknown
    components = {c["key"]: c for c in floored.matches.get(rank=1).explanation["components"]}
    assert components["province"]["max"] == 15 and components["province"]["points"] == "15.00"
    assert components["reliability"]["points"] == "9.90"  # 10 × (99.9 − 90) / 10
    assert "可靠性达标 1 个" in floored.match_summary
