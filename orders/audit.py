"""Which models of this app are in the audit trail (django-auditlog: who, when, before/after), and the
entries for changes made by queryset UPDATEs that auditlog's signals do not see (capacity counters, the
bulk expiry of holds). An order's access details are never in the trail: ``sealed`` is excluded, so an
entry says that the access changed (revision, who, when), not what it is."""

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType

from .models import Capacity, Hold, HoldState, Order, OrderAccess, OrderLine, UsageRecord

auditlog.register(Hold)
auditlog.register(Order)
auditlog.register(OrderLine)
auditlog.register(OrderAccess, exclude_fields=["sealed"])
auditlog.register(UsageRecord, exclude_fields=["digest"])
auditlog.register(Capacity)


def audit_capacity(*, resource_id: int, held: int = 0, allocated: int = 0) -> None:
    """One entry for a counter row changed by a conditional UPDATE: before and after of each changed column
    (the row as this transaction now sees it, less the change)."""
    row = Capacity.objects.filter(resource_id=resource_id).first()
    if row is None or not (held or allocated):
        return
    changes = {}
    if held:
        changes["held_units"] = [str(max(0, row.held_units - held)), str(row.held_units)]
    if allocated:
        changes["allocated_units"] = [str(max(0, row.allocated_units - allocated)), str(row.allocated_units)]
    LogEntry.objects.log_create(row, action=LogEntry.Action.UPDATE, changes=changes)


def audit_holds_expired(*, hold_ids: list[int], reprs: dict[int, str], now) -> None:
    """One entry per hold the periodic expiry released (a bulk UPDATE), written in one INSERT."""
    content_type = ContentType.objects.get_for_model(Hold)
    LogEntry.objects.bulk_create(
        [
            LogEntry(
                content_type=content_type,
                object_pk=str(pk),
                object_id=pk,
                object_repr=reprs.get(pk, str(pk)),
                action=LogEntry.Action.UPDATE,
                changes={
                    "state": [HoldState.HELD.value, HoldState.EXPIRED.value],
                    "ended_at": ["None", now.isoformat()],
                },
                changes_text="",
            )
            for pk in hold_ids
        ],
        batch_size=1000,
    )
