"""Writing the change feed: ``change_append``/``changes_append`` inside the writer's transaction,
``cursor_commit`` for durable consumers, ``feed_prune`` for retention."""

import json
from collections.abc import Iterable, Sequence
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from .listen import CHANNEL
from .models import Change, ConsumerCursor

PRUNED = "changes.pruned"  # the cursor row that records how far the feed was pruned (not a consumer)
BATCH = 2000
# One encoder for every row (Decimals and dates as Django encodes them; the C encoder does the rest).
_encode = DjangoJSONEncoder(ensure_ascii=False).encode


class NotInTransaction(RuntimeError):
    """Appending outside a transaction would let the change and its feed row part ways."""


def _transaction_id() -> int | None:
    """PostgreSQL: this transaction's id, assigned now if it has none yet. Taking it before the
    sequence number matters to readers (changes.selectors): a transaction holding a sequence number
    always has an id older than the horizon a reader notes after seeing a higher number. In the same
    statement: the ``NOTIFY`` that wakes the readers of other processes when this transaction
    commits (changes.listen; the server sends one per transaction and channel)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text, pg_notify(%s, '')", [CHANNEL])
        return int(cursor.fetchone()[0])


def changes_append(
    *,
    record_type: str,
    record_ids: Sequence[int],
    kind: str,
    fields: Iterable[str] = (),
    areas: Sequence[str] | None = None,
    snapshots: dict[int, dict] | None = None,
    patches: dict[int, dict] | None = None,
) -> int:
    """Append one change per record, in the caller's transaction (refused outside one). ``areas``
    runs parallel to ``record_ids`` (e.g. province codes); ``snapshots`` maps ids to their current
    snapshot (missing ids: consumers build it); ``patches`` maps ids to the new stored values of
    their changed columns (see ``Change.patch``). Returns the number of rows appended."""
    if not connection.in_atomic_block:
        raise NotInTransaction("changes_append must run inside the writer's transaction")
    if not record_ids:
        return 0
    txid = _transaction_id()
    created = connection.ops.adapt_datetimefield_value(timezone.now())
    changed = json.dumps(sorted(set(fields)))
    snapshots = snapshots or {}
    patches = patches or {}
    json_param = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    sql = (
        f"INSERT INTO {Change._meta.db_table} "
        "(record_type, record_id, kind, fields, area, snapshot, patch, txid, created_at) "
        f"VALUES (%s, %s, %s, {json_param}, %s, {json_param}, {json_param}, %s, %s)"
    )
    rows = []
    for at, record_id in enumerate(record_ids):
        snapshot, patch = snapshots.get(record_id), patches.get(record_id)
        rows.append(
            (
                record_type,
                int(record_id),
                kind[:16],
                changed,
                (areas[at] or "") if areas is not None else "",
                None if snapshot is None else _encode(snapshot),
                None if patch is None else _encode(patch),
                txid,
                created,
            )
        )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])
    ids = [row[1] for row in rows]
    transaction.on_commit(lambda: _wake_readers(record_type, ids, kind[:16]))
    return len(rows)


def change_append(
    *,
    record_type: str,
    record_id: int,
    kind: str,
    fields: Iterable[str] = (),
    area: str = "",
    snapshot: dict | None = None,
) -> None:
    """Append the change of one record, in the caller's transaction."""
    changes_append(
        record_type=record_type,
        record_ids=[record_id],
        kind=kind,
        fields=fields,
        areas=[area],
        snapshots={record_id: snapshot} if snapshot is not None else None,
    )


def _wake_readers(record_type: str, record_ids: list[int], kind: str) -> None:
    """This process committed changes of ``record_type``: its live fan-out reads now instead of at
    its next poll, and the local hooks hear of it (hints only: other processes find the rows at
    their next poll)."""
    from .live import live_wake
    from .registry import local_append_hooks

    live_wake()
    for hook in local_append_hooks():
        hook(record_type, record_ids, kind)


def cursor_commit(*, name: str, position: int) -> ConsumerCursor:
    """A durable consumer handled every change up to ``position`` (from ``changes_since``)."""
    cursor, _created = ConsumerCursor.objects.get_or_create(name=name)
    if position > cursor.position:
        cursor.position = position
        if cursor.gap_covers is not None and cursor.gap_covers <= position:
            cursor.gap_horizon = cursor.gap_covers = None
        cursor.save(update_fields=["position", "gap_horizon", "gap_covers", "updated_at"])
    return cursor


def cursor_reset(*, name: str, position: int = 0) -> ConsumerCursor:
    """Start a durable consumer over from ``position`` (e.g. a full resync of a peer)."""
    cursor, _created = ConsumerCursor.objects.update_or_create(
        name=name, defaults={"position": position, "gap_horizon": None, "gap_covers": None}
    )
    return cursor


def catch_up_window_seconds() -> int:
    return int(getattr(settings, "CHANGES_CATCH_UP_SECONDS", 24 * 3600))


@transaction.atomic
def feed_prune(*, window_seconds: int | None = None) -> int:
    """Delete changes every durable consumer has passed and that are older than the catch-up window
    (``CHANGES_CATCH_UP_SECONDS``, default one day: how long a process or a client may be away and
    still catch up change by change). The newest change always stays. Returns the number deleted."""
    window = catch_up_window_seconds() if window_seconds is None else window_seconds
    newest = Change.objects.order_by("-seq").values_list("seq", flat=True).first()
    if newest is None:
        return 0
    bound = newest
    slowest = (
        ConsumerCursor.objects.exclude(name=PRUNED).order_by("position").values_list("position", flat=True).first()
    )
    if slowest is not None:
        bound = min(bound, slowest)  # (a cursor's own position row stays: it is its anchor)
    cutoff = timezone.now() - timedelta(seconds=window)
    doomed = Change.objects.filter(seq__lt=bound, created_at__lt=cutoff)
    through = doomed.order_by("-seq").values_list("seq", flat=True).first()
    if through is None:
        return 0
    deleted, _ = Change.objects.filter(seq__lte=through, created_at__lt=cutoff).delete()
    marker, _created = ConsumerCursor.objects.get_or_create(name=PRUNED)
    if through > marker.position:
        marker.position = through
        marker.save(update_fields=["position", "updated_at"])
    return deleted
