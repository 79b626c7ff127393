"""Writes of the demand process: submit, match, accept, schedule, confirm, decline.

Each user action runs under DemandFlow's process lock in one transaction and drives the Viewflow
activation of its task, so the process and the demand never disagree. Acting on a task that is no
longer open raises a ValidationError with a plain message (the views show it); acting on something
the user may not touch raises PermissionDenied (the views answer 404).
"""

from collections import defaultdict
from decimal import Decimal
from types import SimpleNamespace

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.fields import import_flow_by_ref
from viewflow.workflow.status import STATUS

from catalog.models import ListingState, RecordState
from orders.services import HoldItem, holds_confirm, holds_place, holds_release, orders_cancel_for
from organizations.models import User

from . import network, selectors
from .matching import HOURS_PER_MONTH, DemandSpec, match_demand
from .models import (
    FLOW_REF,
    Demand,
    DemandMatch,
    DemandStatus,
    MatchAllotment,
    MatchState,
    SchedulingRecord,
    SchedulingStatus,
)
from .on_behalf import reseller_may_act
from .validation import demand_validate

MATCH_LIMIT = 5
DEMAND_FIELDS = (
    "resource_class",
    "accelerator_model",
    "min_fp16_tflops_total",
    "card_count",
    "duration_hours",
    "city",
    "max_latency_ms",
    "budget_yuan",
    "prefer_my_province",
    "min_reliability_percent",
    "note",
)


def _flow():
    """DemandFlow, by the reference Viewflow keeps on every process row (``Process.flow_class``):
    flows.py imports this module for its node bodies, so this module does not import flows.py."""
    return import_flow_by_ref(FLOW_REF)


def _acting(user: User) -> SimpleNamespace:
    """What Viewflow's activations read from a request: only the user."""
    return SimpleNamespace(user=user)


# --- submit -----------------------------------------------------------------------------------


def demand_submit(*, user: User, data: dict, activation=None) -> Demand:
    """Record the demand, start its DemandFlow process and match it (flows 3, 5, 6), in one transaction.

    ``activation`` is the Start node's activation when Viewflow's own start view calls this.
    """
    flow = _flow()
    values = {name: data.get(name) for name in DEMAND_FIELDS if name in data}
    values["accelerator_model"] = (values.get("accelerator_model") or "").strip()
    values["note"] = values.get("note") or ""
    customer = data.get("customer")
    if customer is not None:
        reseller_may_act(user=user, field="customer_uscc")
    demand = Demand(user=user, organization_id=user.organization_id, customer=customer, **values)
    demand.full_clean(exclude=["user", "organization", "customer", "process", "status", "match_summary"])
    demand_validate(data=values)
    with transaction.atomic():
        demand.save()
        if activation is None:
            activation = flow.submit.activation_class.create(flow.submit, None, None)
            activation.start(_acting(user))
        process = activation.process
        process.artifact = demand
        process.save()
        demand.process = process
        demand.save(update_fields=["process"])
        activation.execute()  # runs `match` and creates the user's `accept` task when there are offers
    demand.refresh_from_db()
    return demand


# --- match (flow.Function) --------------------------------------------------------------------


def demand_spec(demand: Demand) -> DemandSpec:
    return DemandSpec(
        resource_class=demand.resource_class,
        card_count=demand.card_count,
        duration_hours=demand.duration_hours,
        city_code=demand.city_id,
        accelerator_model=demand.accelerator_model,
        min_fp16_tflops_total=demand.min_fp16_tflops_total,
        max_latency_ms=demand.max_latency_ms,
        budget_yuan=demand.budget_yuan,
        prefer_my_province=demand.prefer_my_province,
        min_reliability=demand.min_reliability_percent,
    )


def demand_match(*, demand: Demand, limit: int = MATCH_LIMIT) -> list[DemandMatch]:
    """Compute and store the ranked matches of a demand (replacing none: a re-plan after a lapsed hold,
    workflows.demand.lapse, numbers its matches after the earlier ones)."""
    rank_from = demand.matches.count()
    rows = selectors.resource_rows_for_matching(resource_class=demand.resource_class)
    rows += network.synced_rows_for_matching(resource_class=demand.resource_class)  # the nodes below
    by_id = {row["id"]: row for row in rows}
    result = match_demand(
        spec=demand_spec(demand),
        resources=rows,
        lines=selectors.line_rows_for_matching(city_code=demand.city_id),
        limit=limit,
    )
    matches = []
    with transaction.atomic():
        for proposal in result.proposals:
            sources = network.sources_note(allotments=proposal.allotments, rows_by_id=by_id)
            match = DemandMatch.objects.create(
                demand=demand,
                rank=rank_from + proposal.rank,
                score=proposal.score,
                explanation={**proposal.explanation, "sources": sources},
                explanation_text=proposal.text + (f"；{sources}" if sources else ""),
                compute_price_yuan=proposal.compute_price_yuan,
                line_price_yuan=proposal.line_price_yuan,
                total_price_yuan=proposal.total_price_yuan,
                cards=proposal.cards,
                latency_ms=proposal.latency_ms,
            )
            MatchAllotment.objects.bulk_create(
                MatchAllotment(
                    match=match,
                    **network.allotment_values(allotment=a, rows_by_id=by_id),
                    cards=a.cards,
                    units=a.units,
                    unit_price_yuan=a.unit_price_yuan,
                    price_yuan=a.price_yuan,
                    line_id=a.line_id,
                    latency_ms=a.latency_ms,
                )
                for a in proposal.allotments
            )
            matches.append(match)
        demand.status = DemandStatus.MATCHED if matches else DemandStatus.NO_MATCH
        demand.matched_at = timezone.now()
        demand.match_summary = result.summary
        demand.save(update_fields=["status", "matched_at", "match_summary", "updated_at"])
    return matches


# --- accept (user's task) ---------------------------------------------------------------------


def _still_listed(allotments: list[MatchAllotment]) -> None:
    for allotment in allotments:
        resource = allotment.resource
        if resource.listing_state != ListingState.APPROVED or resource.state != RecordState.ONLINE:
            raise ValidationError(
                {"match": _("方案中的资源“%(name)s”当前余量不足或已下线，请选择其他方案。") % {"name": resource.name}}
            )


def _hold_reference(match: DemandMatch) -> str:
    return f"match:{match.pk}"


def _hold_cards(*, match: DemandMatch, actor: User) -> None:
    """Hold the match's cards on every resource (or none: ValidationError naming the short one)."""
    everything = list(match.allotments.select_related("resource").order_by("pk"))
    allotments = [a for a in everything if a.resource_id is not None]
    _still_listed(allotments)
    holds_place(
        reference=_hold_reference(match),
        buyer_user=actor,
        hours=match.demand.duration_hours,
        items=[
            HoldItem(
                provider_id=a.resource.provider_id,
                resource_id=a.resource_id,
                cards=a.cards,
                units=a.units,
                unit_price_yuan=a.unit_price_yuan,
                amount_yuan=a.price_yuan,
                line_id=a.line_id,
            )
            for a in allotments
        ],
    )
    remote = [a for a in everything if a.resource_id is None]
    if remote:  # last: the owning nodes below (a failure there rolls all of this back)
        network.remote_holds_place(
            reference=_hold_reference(match), allotments=remote, actor=actor, hours=match.demand.duration_hours
        )


def _line_rent(*, record: SchedulingRecord) -> Decimal:
    """The provider's lines of the match, rented for the demand's hours (as matching priced them)."""
    rents = {
        a.line_id: a.line.price_yuan_per_month or Decimal(0)
        for a in record.match.allotments.select_related("line", "resource")
        if a.line_id and a.resource.provider_id == record.provider_id
    }
    return (sum(rents.values(), Decimal(0)) * record.demand.duration_hours / HOURS_PER_MONTH).quantize(Decimal("0.01"))


def _open_task(*, demand: Demand, node, missing: str):
    task = selectors.demand_active_task(demand=demand, node=node)
    if task is None:
        raise ValidationError(missing)
    return task


def demand_accept(*, demand: Demand, match_id: int, actor: User) -> Demand:
    """The demand's owner accepts one offered match; its scheduling records go to the providers."""
    flow = _flow()
    if demand.user_id != actor.pk:
        raise PermissionDenied
    if demand.process_id is None:
        raise ValidationError(_("该需求没有进行中的流程。"))
    if demand.customer_id is not None:
        reseller_may_act(user=actor, field=None)  # managing a customer's demand: only while qualified
    network.prepare(match_id=match_id)  # before the transaction the nodes below will be asked from
    with flow.lock(demand.process_id), transaction.atomic():
        demand = Demand.objects.select_for_update().get(pk=demand.pk)
        task = _open_task(
            demand=demand, node=flow.accept, missing=_("该需求当前没有待选择的方案（已选择或已结束），无需重复操作。")
        )
        match = demand.matches.filter(pk=match_id).first()
        if match is None:
            raise ValidationError({"match": _("请选择本需求的一个匹配方案。")})
        if match.state != MatchState.OFFERED:
            raise ValidationError(
                {"match": _("该方案已不可选择（%(state)s）。") % {"state": match.get_state_display()}}
            )
        activation = task.flow_task.activation_class(task)
        if task.status == STATUS.NEW:
            activation.assign(actor)
        elif task.owner_id != actor.pk:
            raise PermissionDenied
        activation.start(_acting(actor))
        match.state = MatchState.ACCEPTED
        match.accepted_at = timezone.now()
        match.save(update_fields=["state", "accepted_at"])
        demand.status = DemandStatus.ACCEPTED
        demand.save(update_fields=["status", "updated_at"])
        activation.execute()  # runs `schedule`, then opens the providers' `confirm` task
        # Last in the transaction: the hold locks each resource's counter row until the commit.
        _hold_cards(match=match, actor=actor)
    demand.refresh_from_db()
    return demand


# --- schedule (flow.Function) -----------------------------------------------------------------


def scheduling_create(*, demand: Demand) -> list[SchedulingRecord]:
    """One scheduling record per provider of the accepted match."""
    match = demand.matches.get(state=MatchState.ACCEPTED)
    by_provider: dict[int, list[MatchAllotment]] = defaultdict(list)
    for allotment in match.allotments.filter(resource__isnull=False).select_related("resource").order_by("pk"):
        by_provider[allotment.resource.provider_id].append(allotment)
    records = []
    province = demand.city_id[:2]
    for provider_id, allotments in sorted(by_provider.items()):
        record = SchedulingRecord.objects.create(
            demand=demand,
            match=match,
            provider_id=provider_id,
            cards=sum(a.cards for a in allotments),
            price_yuan=sum((a.price_yuan for a in allotments), Decimal(0)),
            cross_province=any(a.resource.province_code[:2] != province for a in allotments),
            accepted_at=match.accepted_at or timezone.now(),
        )
        record.resources.set([a.resource for a in allotments])
        records.append(record)
    return records + network.remote_scheduling_create(demand=demand, match=match)


# --- confirm / decline (provider's task) ------------------------------------------------------


def _provider_decision(*, record: SchedulingRecord, actor: User, apply, remote: bool = False) -> SchedulingRecord:
    """``remote``: the decision of a node below's provider, arriving over the network (network_outcome.py)."""
    flow = _flow()
    if remote != (record.provider_id is None) or not (
        remote or rules.has_perm("demand.confirm_scheduling", actor, record)
    ):
        raise PermissionDenied
    with flow.lock(record.demand.process_id), transaction.atomic():
        record = SchedulingRecord.objects.select_for_update().select_related("demand", "match").get(pk=record.pk)
        if record.status != SchedulingStatus.PENDING:
            raise ValidationError(
                _("该调度记录已处理（%(status)s），无需重复操作。") % {"status": record.get_status_display()}
            )
        task = _open_task(demand=record.demand, node=flow.confirm, missing=_("流程当前不在服务商确认环节。"))
        activation = task.flow_task.activation_class(task)
        if task.status == STATUS.NEW:
            activation.assign(actor)
        elif task.owner_id != actor.pk:
            activation.reassign(user=actor)
        activation.start(_acting(actor))
        apply(record)
        activation.execute()  # the Switch: next provider, done, back to the user, or unfulfilled
    record.refresh_from_db()
    return record


def scheduling_confirm(*, record: SchedulingRecord, actor: User, remote: bool = False) -> SchedulingRecord:
    """The provider confirms its part; the demand is scheduled once every part is confirmed."""

    def apply(record: SchedulingRecord) -> None:
        now = timezone.now()
        record.status = SchedulingStatus.CONFIRMED
        record.confirmed_at = now
        record.decided_by = actor
        record.save(update_fields=["status", "confirmed_at", "decided_by"])
        if record.provider_id is not None:  # a node below's part became an order there
            holds_confirm(
                reference=_hold_reference(record.match),
                provider_id=record.provider_id,
                actor=actor,
                line_yuan=_line_rent(record=record),
            )
        if not record.match.scheduling_records.filter(status=SchedulingStatus.PENDING).exists():
            record.match.state = MatchState.CONFIRMED
            record.match.save(update_fields=["state"])
            record.demand.status = DemandStatus.CONFIRMED
            record.demand.save(update_fields=["status", "updated_at"])
            record.demand.matches.filter(state=MatchState.OFFERED).update(state=MatchState.CLOSED)

    return _provider_decision(record=record, actor=actor, apply=apply, remote=remote)


def scheduling_decline(
    *, record: SchedulingRecord, actor: User, reason: str = "", remote: bool = False
) -> SchedulingRecord:
    """The provider declines; the whole match falls through and the user may pick another one."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写谢绝原因。")})

    def apply(record: SchedulingRecord) -> None:
        now = timezone.now()
        record.status = SchedulingStatus.DECLINED
        record.declined_at = now
        record.decided_by = actor
        record.decline_reason = reason[:1000]
        record.save(update_fields=["status", "declined_at", "decided_by", "decline_reason"])
        for other in record.match.scheduling_records.exclude(pk=record.pk).filter(
            status__in=[SchedulingStatus.PENDING, SchedulingStatus.CONFIRMED]
        ):
            other.status = SchedulingStatus.CANCELLED
            other.cancelled_at = now
            other.save(update_fields=["status", "cancelled_at"])
        holds_release(reference=_hold_reference(record.match))
        network.remote_holds_withdraw(reference=_hold_reference(record.match), reason=_("需求方的方案未能成立。"))
        orders_cancel_for(reference=_hold_reference(record.match), reason=_("同一方案的其他服务商谢绝了调度。"))
        record.match.state = MatchState.DECLINED
        record.match.save(update_fields=["state"])
        demand = record.demand
        has_more = demand.matches.filter(state=MatchState.OFFERED).exists()
        demand.status = DemandStatus.MATCHED if has_more else DemandStatus.UNFULFILLED
        demand.save(update_fields=["status", "updated_at"])

    return _provider_decision(record=record, actor=actor, apply=apply, remote=remote)
