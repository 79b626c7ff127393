"""Writes of holds and orders. Callers (the demand process) run these inside their own transaction.

- ``holds_place``: a buyer accepted a plan; its cards are held on every resource, or nothing is.
- ``holds_confirm``: the provider confirmed its part; its holds become allocations and one order.
- ``holds_release``: declined or withdrawn; the held units go back.
- ``holds_expire``: the periodic task; holds nobody confirmed in time go back.
- ``order_activate`` / ``order_complete`` / ``order_cancel``: the order's life.
Every change of capacity appends the resources' change to the feed in the same transaction, so the
selection index and the live pages show the new availability.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import ComputeResource
from catalog.snapshots import RESOURCE
from changes.services import changes_append

from . import capacity, selectors
from .audit import audit_holds_expired, holds_expired_audit_sql
from .models import Hold, HoldState, Order, OrderLine, OrderState

EXPIRE_BATCH = 2000


@dataclass(frozen=True)
class HoldItem:
    provider_id: int
    resource_id: int
    cards: int
    units: int
    unit_price_yuan: Decimal
    amount_yuan: Decimal
    line_id: int | None = None
    line_yuan: Decimal = Decimal(0)  # the line's rent for the period, counted once per order


def hold_ttl() -> timedelta:
    return timedelta(minutes=float(getattr(settings, "HOLD_TTL_MINUTES", 30)))


def _changed(resource_ids) -> None:
    """The resources' availability changed: ids only (readers build the current snapshot when they use it),
    so the work done while a counter row is locked stays small."""
    ids = sorted(set(resource_ids))
    if ids:
        changes_append(record_type=RESOURCE, record_ids=ids, kind="capacity", fields=("available_units",))


def holds_place(*, reference: str, buyer_user, hours: int, items: list[HoldItem]) -> list[Hold]:
    """Hold every item's units, or none (ValidationError naming the resource that is short)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("holds_place runs inside the caller's transaction")
    items = sorted(items, key=lambda item: item.resource_id)  # one lock order: no deadlocks between buyers
    for item in items:  # refuse at once what is already gone (a read: no lock, no waiting behind others)
        if not capacity.capacity_may_take(resource_id=item.resource_id, units=item.units):
            _refuse(item)
    capacity.capacity_rows_ensure(resource_ids=[item.resource_id for item in items])
    expires = timezone.now() + hold_ttl()
    holds = Hold.objects.bulk_create(
        Hold(
            reference=reference,
            buyer_id=buyer_user.organization_id,
            buyer_user=buyer_user,
            provider_id=item.provider_id,
            resource_id=item.resource_id,
            cards=item.cards,
            units=item.units,
            hours=hours,
            unit_price_yuan=item.unit_price_yuan,
            amount_yuan=item.amount_yuan,
            line_id=item.line_id,
            expires_at=expires,
        )
        for item in items
    )
    _changed(item.resource_id for item in items)
    # Last: the conditional UPDATEs, which hold each counter row's lock until the caller commits.
    for item in items:
        if not capacity.capacity_take(resource_id=item.resource_id, units=item.units):
            _refuse(item)
    return holds


def _refuse(item: HoldItem) -> None:
    name = ComputeResource.objects.filter(pk=item.resource_id).values_list("name", flat=True).first()
    message = _("方案中的资源“%(name)s”当前余量不足，请选择其他方案。") % {"name": name or item.resource_id}
    raise ValidationError({"match": message})


def holds_confirm(*, reference: str, provider_id: int, actor, line_yuan: Decimal = Decimal(0)) -> Order:
    """The provider's holds of this reference become allocations and one order. A hold that expired is
    taken again if the units are still there (else ValidationError: nothing changes)."""
    holds = list(
        Hold.objects.select_for_update()
        .filter(reference=reference, provider_id=provider_id, state__in=[HoldState.HELD, HoldState.EXPIRED])
        .order_by("resource_id", "pk")
    )
    if not holds:
        raise ValidationError(_("没有待确认的资源预留（可能已释放），不能确认。"))
    capacity.capacity_rows_ensure(resource_ids=[hold.resource_id for hold in holds])
    for hold in holds:
        if hold.state == HoldState.HELD:
            capacity.capacity_allocate_held(resource_id=hold.resource_id, units=hold.units)
        elif not capacity.capacity_take(resource_id=hold.resource_id, units=hold.units, allocate=True):
            raise ValidationError(
                _("资源预留已过期，且“%(name)s”的余量已不足，无法确认；请谢绝本次调度。") % {"name": hold.resource.name}
            )
    compute = sum((hold.amount_yuan for hold in holds), Decimal(0))
    first = holds[0]
    order = Order.objects.create(
        reference=reference,
        provider_id=provider_id,
        buyer_id=first.buyer_id,
        buyer_user_id=first.buyer_user_id,
        hours=first.hours,
        compute_yuan=compute,
        line_yuan=line_yuan,
        total_yuan=compute + line_yuan,
        confirmed_by=actor,
    )
    for hold in holds:
        OrderLine.objects.create(
            order=order,
            resource_id=hold.resource_id,
            cards=hold.cards,
            units=hold.units,
            unit_price_yuan=hold.unit_price_yuan,
            amount_yuan=hold.amount_yuan,
            line_id=hold.line_id,
        )
        hold.state = HoldState.CONFIRMED
        hold.ended_at = timezone.now()
        hold.order = order
        hold.save(update_fields=["state", "ended_at", "order"])
    _changed(hold.resource_id for hold in holds)
    return order


def holds_release(*, reference: str, provider_id: int | None = None) -> int:
    """Release the reference's open holds (all providers', or one's); returns how many."""
    queryset = Hold.objects.select_for_update().filter(reference=reference, state=HoldState.HELD)
    if provider_id is not None:
        queryset = queryset.filter(provider_id=provider_id)
    holds = list(queryset.order_by("resource_id", "pk"))
    for hold in holds:
        capacity.capacity_release(resource_id=hold.resource_id, held=hold.units)
        hold.state = HoldState.RELEASED
        hold.ended_at = timezone.now()
        hold.save(update_fields=["state", "ended_at"])
    _changed(hold.resource_id for hold in holds)
    return len(holds)


def holds_expire(*, now=None, batch: int = EXPIRE_BATCH) -> int:
    """Release every hold past its expiry, a batch per transaction; returns how many expired."""
    now = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic():
            if transaction.get_connection().vendor == "postgresql":
                by_resource, count = _expire_batch_set_based(now=now, batch=batch)
            else:
                by_resource, count = _expire_batch(now=now, batch=batch)
            if not count:
                return total
            capacity.capacity_release_held(units_by_resource=by_resource)
            _changed(by_resource)
        total += count
        if count < batch:
            return total


def _expire_batch(*, now, batch: int) -> tuple[dict[int, int], int]:
    """SQLite: read the batch's ids, mark them expired, one audit entry each (``IN`` lists of the ids)."""
    queryset = Hold.objects.filter(state=HoldState.HELD, expires_at__lte=now).order_by("resource_id", "pk")
    rows = list(queryset.values_list("pk", "resource_id", "units")[:batch])
    by_resource: dict[int, int] = defaultdict(int)
    for _pk, resource_id, units in rows:
        by_resource[resource_id] += units
    if rows:
        hold_ids = [row[0] for row in rows]
        Hold.objects.filter(pk__in=hold_ids).update(state=HoldState.EXPIRED, ended_at=now)
        audit_holds_expired(hold_ids=hold_ids, now=now)  # one entry per hold, one INSERT … SELECT
    return by_resource, len(rows)


def _expire_batch_set_based(*, now, batch: int) -> tuple[dict[int, int], int]:
    """PostgreSQL: one statement per batch, no ids through the client. It picks the batch (``FOR UPDATE SKIP
    LOCKED``: a hold a provider is confirming right now is left to the next run), marks it expired
    (``UPDATE … RETURNING``), writes one audit entry per returned row, and answers the units per resource."""
    connection = transaction.get_connection()
    quote = connection.ops.quote_name

    def column(name: str) -> str:
        return quote(Hold._meta.get_field(name).column)

    table, pk, resource = quote(Hold._meta.db_table), column("id"), column("resource")
    returned = ", ".join(f"h.{column(name)}" for name in ("id", "reference", "resource", "cards", "units"))
    audit_sql, audit_params = holds_expired_audit_sql(source="done", now=now, connection=connection)
    sql = (
        f"WITH picked AS (SELECT {pk} FROM {table} WHERE {column('state')} = %s AND {column('expires_at')} <= %s"
        f" ORDER BY {resource}, {pk} LIMIT %s FOR UPDATE SKIP LOCKED),"
        f" done AS (UPDATE {table} h SET {column('state')} = %s, {column('ended_at')} = %s FROM picked"
        f" WHERE h.{pk} = picked.{pk} RETURNING {returned}),"
        f" audit AS ({audit_sql})"
        f" SELECT {resource}, SUM({column('units')}), COUNT(*) FROM done GROUP BY {resource}"
    )
    params = [HoldState.HELD.value, now, batch, HoldState.EXPIRED.value, now, *audit_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {resource_id: int(units) for resource_id, units, _count in rows}, sum(count for *_rest, count in rows)


# --- orders ---------------------------------------------------------------------------------------


def _order_locked(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


def _release_allocation(order: Order) -> None:
    lines = list(order.lines.order_by("resource_id"))
    for line in lines:
        capacity.capacity_release(resource_id=line.resource_id, allocated=line.units)
    _changed(line.resource_id for line in lines)


@transaction.atomic
def order_activate(*, order: Order, actor) -> Order:
    """The provider starts the service (confirmed → active)."""
    if not selectors.is_order_provider(user=actor, order=order):
        raise PermissionDenied
    order = _order_locked(order)
    if order.state != OrderState.CONFIRMED:
        raise ValidationError(_("订单当前状态为“%(state)s”，不能开通。") % {"state": order.get_state_display()})
    order.state = OrderState.ACTIVE
    order.activated_at = timezone.now()
    order.save(update_fields=["state", "activated_at"])
    return order


@transaction.atomic
def order_complete(*, order: Order, actor) -> Order:
    """The provider ends the service (active → completed); the cards are free again."""
    if not selectors.is_order_provider(user=actor, order=order):
        raise PermissionDenied
    order = _order_locked(order)
    if order.state != OrderState.ACTIVE:
        raise ValidationError(_("只有服务中的订单可以完成。"))
    order.state = OrderState.COMPLETED
    order.ended_at = timezone.now()
    order.save(update_fields=["state", "ended_at"])
    _release_allocation(order)
    return order


@transaction.atomic
def order_cancel(*, order: Order, actor, reason: str = "") -> Order:
    """Either side cancels before the service starts (the provider also while it runs); cards go back."""
    is_provider = selectors.is_order_provider(user=actor, order=order)
    if not is_provider and not selectors.is_order_buyer(user=actor, order=order):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写取消原因。")})
    order = _order_locked(order)
    allowed = [OrderState.CONFIRMED, OrderState.ACTIVE] if is_provider else [OrderState.CONFIRMED]
    if order.state not in allowed:
        raise ValidationError(_("订单当前状态为“%(state)s”，不能取消。") % {"state": order.get_state_display()})
    order.state = OrderState.CANCELLED
    order.ended_at = timezone.now()
    order.cancel_reason = reason[:1000]
    order.save(update_fields=["state", "ended_at", "cancel_reason"])
    _release_allocation(order)
    return order


def orders_cancel_for(*, reference: str, reason: str) -> int:
    """The node cancels a reference's open orders (the plan fell through: another provider declined)."""
    count = 0
    for order in Order.objects.select_for_update().filter(
        reference=reference, state__in=[OrderState.CONFIRMED, OrderState.ACTIVE]
    ):
        order.state = OrderState.CANCELLED
        order.ended_at = timezone.now()
        order.cancel_reason = reason[:1000]
        order.save(update_fields=["state", "ended_at", "cancel_reason"])
        _release_allocation(order)
        count += 1
    return count
