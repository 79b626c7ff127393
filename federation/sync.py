"""Catalogue sync, downstream side: this node's public catalogue flows to its upstream node.

The durable change-feed cursor ``peer:<upstream prefix>`` (changes.selectors.changes_since) says how far
the upstream node has acknowledged. Each pass reads the next changes of the record types apps registered
(``kinds.sync_source_register``: the catalogue's resources, lines and application services) and of
records synced here from the nodes below (``synced``, so a regional node forwards its industry nodes'
records), has the owning app build the current public snapshot of each record touched, POSTs them in one
signed batch whose idempotency key is derived from the feed positions it covers, and commits the cursor
only once the upstream answered 2xx: after an outage the same changes go again, and the receiver's
positions make the repeat harmless. A record that is no longer public (delisted, suspended, revoked,
not yet acknowledged) goes as a removal. ``catalogue_resync`` sends the whole catalogue (the cursor was
pruned past, or an operator asks: ``manage.py federation_resync``).
"""

import itertools
import logging
import urllib.error
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

from changes.selectors import changes_since, current_position
from changes.services import cursor_commit, cursor_reset

from .client import NotEnrolled, signed_request
from .kinds import sync_sources
from .models import SyncedRecord
from .selectors import upstream_link, upstream_url
from .sync_receive import SYNCED

logger = logging.getLogger(__name__)
SYNC_PATH = "/api/v1/federation/sync/records/"
BATCH = 1000  # records per signed request of a pass (the receiver takes up to 2,000)
RESYNC_BATCH = 2000


class SyncFailed(RuntimeError):
    pass


def sync_cursor_name() -> str | None:
    """``peer:<upstream prefix>``, or None when this node has no upstream."""
    link = upstream_link()
    return f"peer:{link.upstream_prefix}" if link is not None and upstream_url() else None


def iter_synced_items(*, record_ids: Iterable[int] | None, position: int) -> Iterator[dict]:
    """Records synced here from the nodes below, forwarded as they are (their owner's name and URL)."""
    queryset = SyncedRecord.objects.order_by("pk")
    if record_ids is not None:
        queryset = queryset.filter(pk__in=list(record_ids))
    columns = ("pk", "identifier", "record_type", "removed", "snapshot", "source_name", "source_url")
    for pk, code, record_type, removed, snapshot, source_name, source_url in queryset.values_list(*columns).iterator(
        chunk_size=2000
    ):
        yield {
            "identifier": code,
            "record_type": record_type,
            "position": position,
            "removed": removed,
            "snapshot": snapshot,
            "source_name": source_name,
            "source_url": source_url,
            "pk": pk,
        }


def synced_items(*, record_ids: Iterable[int] | None, position: int) -> list[dict]:
    return list(iter_synced_items(record_ids=record_ids, position=position))


def _send(*, items: list[dict], key: str, link=None, base: str = "") -> dict:
    try:
        return signed_request(
            method="POST", path=SYNC_PATH, payload={"records": items}, idempotency_key=key, link=link, base=base
        )
    except urllib.error.HTTPError as error:
        raise SyncFailed(f"HTTP {error.code}: {error.read()[:500].decode(errors='replace')}") from error
    except (urllib.error.URLError, TimeoutError, ConnectionError, ValueError, NotEnrolled) as error:
        raise SyncFailed(f"{type(error).__name__}: {error}") from error


def sync_pass(*, limit: int = BATCH, max_batches: int = 20) -> dict[str, int]:
    """Send what changed since the upstream's last acknowledgement, batch after batch (the first pass
    of a newly enrolled node, or one whose cursor the feed was pruned past, is a full resync). Counts of
    batches and records sent; stops (cursor not moved) at the first failure, logged: the next pass retries."""
    counts = {"batches": 0, "records": 0}
    name = sync_cursor_name()
    if name is None:
        return counts
    for _ in range(max_batches):
        start = _cursor_position(name)
        if start is None:
            return _resync_logged(counts, "first sync with the upstream node: full resync")
        sources = sync_sources()
        batch = changes_since(cursor=name, limit=limit, record_types=(*sources, SYNCED))
        if batch.behind:
            return _resync_logged(counts, "sync cursor behind the pruned feed: full resync")
        if batch.position <= start:
            return counts
        latest: dict[str, dict[int, int]] = {}
        for row in batch.rows:
            latest.setdefault(row.record_type, {})[row.record_id] = row.seq
        items = []
        for record_type, seqs in latest.items():
            build = iter_synced_items if record_type == SYNCED else sources[record_type]
            built = build(record_ids=seqs, position=0)
            for item in built:
                item["position"] = seqs[item.pop("pk")]
                items.append(item)
        if items:
            try:
                _send(items=items, key=f"sync:{start}-{batch.position}")
            except SyncFailed as failed:
                logger.warning("catalogue sync to the upstream node failed (will retry): %s", failed)
                return counts
            counts["batches"] += 1
            counts["records"] += len(items)
        cursor_commit(name=name, position=batch.position)
    return counts


def _resync_logged(counts: dict[str, int], why: str) -> dict[str, int]:
    logger.info(why)
    try:
        resync = catalogue_resync()
    except SyncFailed as failed:
        logger.warning("catalogue resync to the upstream node failed (will retry): %s", failed)
        return counts
    return {key: counts[key] + resync[key] for key in counts}


def _cursor_position(name: str) -> int | None:
    from changes.models import ConsumerCursor

    return ConsumerCursor.objects.filter(name=name).values_list("position", flat=True).first()


def catalogue_resync(*, batch: int = RESYNC_BATCH) -> dict[str, int]:
    """Send every record (public ones as snapshots, the others as removals) at the current feed position,
    then move the cursor there. SyncFailed when the upstream does not acknowledge (cursor unchanged).

    Streams: a batch is read and built while the previous one is on its way (one request in flight, in
    order, from a helper thread that touches no database), so the sender's and the receiver's work overlap
    and memory stays at two batches whatever the catalogue's size."""
    name = sync_cursor_name()
    if name is None:
        raise SyncFailed("this node is not enrolled with an upstream node (run manage.py node_enrol)")
    link, base = upstream_link(), upstream_url()
    position = current_position()
    items = itertools.chain(
        *(build(record_ids=None, position=position) for build in sync_sources().values()),
        iter_synced_items(record_ids=None, position=position),
    )
    counts = {"batches": 0, "records": 0}
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="federation-resync") as sender:
        in_flight = None
        while chunk := list(itertools.islice(items, batch)):
            for item in chunk:
                del item["pk"]
            if in_flight is not None:
                in_flight.result()  # SyncFailed propagates; the cursor stays where it was
            key = f"resync:{position}:{counts['records']}"
            in_flight = sender.submit(_send, items=chunk, key=key, link=link, base=base)
            counts["batches"] += 1
            counts["records"] += len(chunk)
        if in_flight is not None:
            in_flight.result()
    cursor_reset(name=name, position=position)
    return counts
