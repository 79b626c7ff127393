"""The durable live-update outbox: one row per changed record with its current snapshot, read by the
drains of the ASGI processes and by reconnecting clients catching up.

Written by ``on_record_changed`` after the catalogue change commits (``record_changed``, the
catalogue's after-commit hook): a crash between that commit and the outbox write loses the change
for open pages (they catch up on the record's next change or reload). Writing the rows inside the
catalogue's transaction would close that gap; the drain already waits for sequence gaps of
transactions still running, however long they run (search/live/drain.py)."""

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from catalog.models import AppService, ComputeResource, NetworkLine

from ..models import LiveChange
from .snapshots import (
    APP_SERVICE,
    LINE,
    RESOURCE,
    app_service_snapshots,
    key_for,
    line_snapshots,
    resource_snapshots,
)

logger = logging.getLogger(__name__)

# model -> (record type in keys, snapshot builder)
RECORD_TYPES = {
    ComputeResource: (RESOURCE, resource_snapshots),
    NetworkLine: (LINE, line_snapshots),
    AppService: (APP_SERVICE, app_service_snapshots),
}


def live_changes_record(*, model: type, record_ids: Iterable[int], change: str) -> list[LiveChange]:
    """Write the current snapshot of each changed record to the outbox (one transaction)."""
    if model not in RECORD_TYPES:
        return []
    record_type, build = RECORD_TYPES[model]
    snapshots = build(record_ids=record_ids)
    now = timezone.now()
    rows = [
        LiveChange(
            key=key_for(record_type, pk),
            record_type=record_type,
            record_id=pk,
            change=change[:16],
            snapshot=snapshot,
            created_at=now,
        )
        for pk, snapshot in snapshots.items()
    ]
    with transaction.atomic():
        return LiveChange.objects.bulk_create(rows, batch_size=500)


def on_record_changed(sender, record_ids=(), change="", fields=(), **kwargs) -> None:
    """Receiver of the catalogue's after-commit hook. Never lets an error reach the caller, whose change
    is already committed: a failure is logged and pages catch up on their next change."""
    try:
        written = live_changes_record(model=sender, record_ids=record_ids, change=change)
    except Exception:
        logger.exception("live: could not record %s %s of %s", change, list(record_ids)[:10], sender)
        return
    if written:
        from .drain import wake_drains

        wake_drains()


def transaction_ids() -> tuple[int, int] | None:
    """PostgreSQL: (the oldest transaction id still running, the next one to be assigned), from the
    current snapshot; None on databases whose writers commit in sequence order (SQLite: one writer
    at a time). The drain uses them to tell a sequence gap of a transaction still running (wait) from
    one of a transaction that rolled back (give up)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text, pg_snapshot_xmax(pg_current_snapshot())::text"
        )
        oldest, following = cursor.fetchone()
    return int(oldest), int(following)


def current_seq() -> int:
    """The newest sequence number (0 when nothing has changed yet); pages render it as
    ``data-live-since`` so that their first subscription catches up from the moment they were built."""
    return LiveChange.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def changes_after(*, seq: int, limit: int) -> list[tuple[int, str, dict]]:
    rows = LiveChange.objects.filter(seq__gt=seq).order_by("seq").values_list("seq", "key", "snapshot")[:limit]
    return list(rows)


def changes_among(*, seqs: list[int]) -> list[tuple[int, str, dict]]:
    return list(LiveChange.objects.filter(seq__in=seqs).order_by("seq").values_list("seq", "key", "snapshot"))


def catch_up(*, keys: Iterable[str], since: int) -> list[tuple[int, str, dict]]:
    """What a client that last saw ``since`` missed for ``keys``: the newest snapshot per key.

    When the outbox no longer reaches back to ``since`` (pruned), every key gets a fresh snapshot
    read from the catalogue, stamped with the current sequence number."""
    keys = list(dict.fromkeys(keys))
    oldest = LiveChange.objects.order_by("seq").values_list("seq", flat=True).first()
    if oldest is None or since >= oldest - 1:
        latest: dict[str, tuple[int, str, dict]] = {}
        rows = LiveChange.objects.filter(seq__gt=since, key__in=keys).order_by("seq")
        for seq, key, snapshot in rows.values_list("seq", "key", "snapshot").iterator():
            latest[key] = (seq, key, snapshot)
        return sorted(latest.values())
    seq = current_seq()
    by_type: dict[str, list[int]] = {}
    for key in keys:
        record_type, _, pk = key.partition(":")
        by_type.setdefault(record_type, []).append(int(pk))
    fresh = []
    for record_type, build in RECORD_TYPES.values():
        for pk, snapshot in build(record_ids=by_type.get(record_type, ())).items():
            fresh.append((seq, key_for(record_type, pk), snapshot))
    return fresh


def live_changes_prune(*, older_than_seconds: int | None = None) -> int:
    """Delete outbox rows older than the retention; the newest row always stays (SQLite would
    otherwise restart the sequence). Returns the number deleted."""
    seconds = older_than_seconds if older_than_seconds is not None else live_retention_seconds()
    newest = current_seq()
    cutoff = timezone.now() - timedelta(seconds=seconds)
    deleted, _ = LiveChange.objects.filter(created_at__lt=cutoff, seq__lt=newest).delete()
    return deleted


def live_retention_seconds() -> int:
    return int(getattr(settings, "LIVE_RETENTION_SECONDS", 3600))
