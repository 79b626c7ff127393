"""Which models of this app are in the audit trail (django-auditlog: who, when, before/after), and the
entries for changes made by queryset UPDATEs that auditlog's signals do not see (capacity counters, the
bulk expiry of holds). An order's access details are never in the trail: ``sealed`` is excluded, so an
entry says that the access changed (revision, who, when), not what it is."""

from auditlog.cid import get_cid
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.db import router, transaction
from django.utils import timezone

from .models import Capacity, Hold, HoldState, Order, OrderAccess, OrderLine, UsageRecord

auditlog.register(Hold)
auditlog.register(Order)
auditlog.register(OrderLine)
auditlog.register(OrderAccess, exclude_fields=["sealed"])
auditlog.register(UsageRecord, exclude_fields=["digest"])
auditlog.register(Capacity)


def _capacity_entry(row: Capacity, held: int, allocated: int) -> LogEntry | None:
    """The entry of one counter row changed by ``held`` / ``allocated`` units (the row as this transaction now
    sees it: before = after less the change)."""
    changes = {}
    if held:
        changes["held_units"] = [str(max(0, row.held_units - held)), str(row.held_units)]
    if allocated:
        changes["allocated_units"] = [str(max(0, row.allocated_units - allocated)), str(row.allocated_units)]
    if not changes:
        return None
    return LogEntry(
        content_type=ContentType.objects.get_for_model(Capacity),
        object_pk=str(row.pk),
        object_id=row.pk,
        object_repr=str(row),
        action=LogEntry.Action.UPDATE,
        changes=changes,
        changes_text="",
        cid=get_cid(),
        timestamp=timezone.now(),
    )


def audit_capacity(*, resource_id: int, held: int = 0, allocated: int = 0) -> None:
    """One entry for a counter row changed by a conditional UPDATE: before and after of each changed column."""
    row = Capacity.objects.filter(resource_id=resource_id).first()
    entry = _capacity_entry(row, held, allocated) if row is not None else None
    if entry is not None:
        entry.save()  # saved one by one: auditlog's pre_save hook adds the request's actor and client address


def audit_capacities(*, changes: dict[int, tuple[int, int]]) -> None:
    """One entry per counter row changed by conditional UPDATEs (resource id -> (held, allocated) change):
    one SELECT of the rows and one INSERT of the entries, whatever their number. For the worker's bulk
    changes: written in bulk, the entries carry no actor (auditlog fills that in only row by row)."""
    rows = Capacity.objects.in_bulk([pk for pk, (held, allocated) in changes.items() if held or allocated])
    entries = [_capacity_entry(rows[pk], *changes[pk]) for pk in sorted(rows)]
    LogEntry.objects.bulk_create([entry for entry in entries if entry is not None])


def holds_expired_audit_sql(*, source: str, now, connection) -> tuple[str, list]:
    """``INSERT INTO`` the log entries ``SELECT`` … ``FROM <source> h``: one entry per hold row of ``source``
    (the hold table, or a CTE returning its ``id``, ``reference``, ``resource_id`` and ``cards`` columns).

    Set-based: 10,000 ``LogEntry`` instances through ``bulk_create`` cost seconds of per-row Python (model
    init, defaults, value preparation, 999-variable batches on SQLite); the insert writes the same rows
    (content type, object id and repr, action "update", the same ``changes`` for every hold of the batch,
    timestamp) in milliseconds."""
    quote = connection.ops.quote_name

    def column(model, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    changes = {"state": [HoldState.HELD.value, HoldState.EXPIRED.value], "ended_at": ["None", now.isoformat()]}
    targets = ("content_type", "object_pk", "object_id", "object_repr", "action", "changes_text", "changes")
    targets += ("timestamp", "cid")
    hold_id, text = f"h.{column(Hold, 'id')}", "VARCHAR(255)"
    repr_sql = (  # Hold.__str__: "<reference>/<resource id> × <cards>"
        f"h.{column(Hold, 'reference')} || '/' || CAST(h.{column(Hold, 'resource')} AS {text})"
        f" || ' × ' || CAST(h.{column(Hold, 'cards')} AS {text})"
    )
    sql = (
        f"INSERT INTO {quote(LogEntry._meta.db_table)} ({', '.join(column(LogEntry, name) for name in targets)}) "
        f"SELECT %s, CAST({hold_id} AS {text}), {hold_id}, {repr_sql}, %s, '', %s, %s, %s FROM {source} h"
    )
    params = [
        ContentType.objects.get_for_model(Hold).pk,
        LogEntry.Action.UPDATE,
        LogEntry._meta.get_field("changes").get_db_prep_save(changes, connection),
        LogEntry._meta.get_field("timestamp").get_db_prep_save(now, connection),
        get_cid(),
    ]
    return sql, params


def audit_holds_expired(*, hold_ids: list[int], now) -> int:
    """One entry per hold the periodic expiry released (a bulk UPDATE), in the caller's transaction, by one
    ``INSERT … SELECT`` from the hold rows themselves (the SQLite path of ``holds_expire``)."""
    if not hold_ids:
        return 0
    connection = transaction.get_connection(router.db_for_write(LogEntry))
    sql, params = holds_expired_audit_sql(
        source=connection.ops.quote_name(Hold._meta.db_table), now=now, connection=connection
    )
    sql += f" WHERE h.{connection.ops.quote_name(Hold._meta.pk.column)} IN ({', '.join(['%s'] * len(hold_ids))})"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *hold_ids])
        return cursor.rowcount
