"""用: usage records a provider pushes for its orders, idempotent per provider-chosen record id.

``usage_record_push`` stores a record once. The same ``record_id`` pushed again with the same content
returns the stored record (``created`` False); with different content it raises ``UsageConflict``
(the API answers 409) and changes nothing. The amount is the order line's agreed price applied to the
card-hours (card-hours × unit price × billing units per card).
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .models import Order, OrderState, UsageRecord

SLACK = Decimal("1.001")  # rounding room of the plausibility check (card-hours ≤ cards × hours)


class UsageConflict(Exception):
    """The record id was pushed before with different content."""

    def __init__(self, record: UsageRecord):
        super().__init__(record.record_id)
        self.record = record


@dataclass(frozen=True)
class UsageInput:
    record_id: str
    order_id: int
    resource_id: int
    card_hours: Decimal
    started_at: datetime
    ended_at: datetime
    job_id: str = ""

    def digest(self) -> str:
        content = {
            "order": self.order_id,
            "resource": self.resource_id,
            "card_hours": str(self.card_hours.normalize()),
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat(),
            "job_id": self.job_id,
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _check(*, order: Order, data: UsageInput):
    """The order line the record is for, or ValidationError naming the field."""
    if order.activated_at is None or order.state == OrderState.CONFIRMED:
        raise ValidationError({"order": _("订单尚未开通，不能上报用量。")})
    line = next((line for line in order.lines.all() if line.resource_id == data.resource_id), None)
    if line is None:
        raise ValidationError({"resource": _("该资源不在此订单中。")})
    if data.ended_at <= data.started_at:
        raise ValidationError({"ended_at": _("结束时间须晚于开始时间。")})
    if data.card_hours <= 0:
        raise ValidationError({"card_hours": _("卡时须大于 0。")})
    hours = Decimal((data.ended_at - data.started_at).total_seconds()) / 3600
    if data.card_hours > line.cards * hours * SLACK:
        raise ValidationError(
            {"card_hours": _("卡时超过该时段内订单卡数可用的上限（%(cards)s 张 × 时长）。") % {"cards": line.cards}}
        )
    return line


def usage_record_push(*, provider, data: UsageInput) -> tuple[UsageRecord, bool]:
    """Store the record (True) or return the identical one stored before (False); UsageConflict if it differs.
    PermissionDenied when the order is not the provider's (the API answers 404)."""
    order = Order.objects.filter(pk=data.order_id).prefetch_related("lines").first()
    if order is None or order.provider_id != provider.pk:
        raise PermissionDenied
    digest = data.digest()
    existing = UsageRecord.objects.filter(provider=provider, record_id=data.record_id).first()
    if existing is not None:
        if existing.digest != digest:
            raise UsageConflict(existing)
        return existing, False
    line = _check(order=order, data=data)
    amount = (data.card_hours * line.unit_price_yuan * line.units / line.cards).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    try:
        with transaction.atomic():
            record = UsageRecord.objects.create(
                provider=provider,
                record_id=data.record_id,
                order=order,
                resource_id=data.resource_id,
                card_hours=data.card_hours,
                started_at=data.started_at,
                ended_at=data.ended_at,
                job_id=data.job_id,
                amount_yuan=amount,
                digest=digest,
            )
    except IntegrityError:  # the same id pushed concurrently: whoever stored it first decides
        existing = UsageRecord.objects.get(provider=provider, record_id=data.record_id)
        if existing.digest != digest:
            raise UsageConflict(existing) from None
        return existing, False
    return record, True
