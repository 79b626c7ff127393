"""Reading the change feed by cursor, safely across concurrent writers.

Why a plain ``seq > position`` is not enough: on PostgreSQL transaction A can take seq 5, B seq 6,
B commit, a reader see 6 and move on, and A commit 5 afterwards. A gap in the sequence is either
a transaction still running (it will fill) or one that rolled back (it never will). Readers tell
them apart exactly, without timeouts: when a gap is first seen the reader notes ``pg_snapshot_xmax``
(every transaction that may hold a missing number has an id below it, because writers take their
transaction id before their sequence number: changes.services), and the gap is final once
``pg_snapshot_xmin`` (the oldest transaction still running) has reached that horizon.

On SQLite writers are serialised (``transaction_mode = IMMEDIATE``, one writer at a time, the
sequence taken under the write lock), so sequence order is commit order and no gap ever fills.

Two ways to read:

- ``FeedReader`` (in memory, one per consumer in a process: the selection index, the websocket
  fan-out, the page cache): delivers every committed change once, rows above a pending gap
  included (consumers re-read records, so order across records does not matter to them), and
  moves its position over the gap once it is final. ``read()`` answers None when the reader fell
  behind (the feed was pruned past it, or rolled back under it): the consumer starts over.
- ``changes_since(cursor=name)`` for durable, named consumers (``ConsumerCursor``; e.g. a peer
  node's upstream sync): changes strictly in sequence order, stopping before a gap that may still
  fill; the consumer handles them and commits ``batch.position`` (changes.services.cursor_commit),
  so after an outage it resumes where it stopped.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import NamedTuple

from django.db import connection
from django.db.models import CharField
from django.db.models.functions import Cast
from django.utils import timezone

from .models import Change, ConsumerCursor

INFINITY = 2**63
GAP_LOOKBACK_SECONDS = 120  # FeedReader.from_now: how far back a still-open writer is waited for


class FeedRow(NamedTuple):
    seq: int
    record_type: str
    record_id: int
    kind: str
    fields: list
    area: str
    snapshot: dict | None
    created_at: str  # the append's time as the database writes it as text (``STAMP``): a key, compared only
    patch: dict | None = None


# JSON columns that differ from row to row (decoded all at once; see _decode_together)
PER_ROW_JSON = frozenset({"snapshot", "patch"})
COLUMNS = ("seq", "record_type", "record_id", "kind", "fields", "area", "snapshot", "stamp", "patch")
LIGHT_COLUMNS = ("seq", "record_type", "record_id", "kind", "fields", "area", "stamp", "patch")
# A change's time read as text, not as a datetime: readers only compare it (``FeedReader.anchor``) and
# use it as a key, and on PostgreSQL Django's time-zone-aware loader turns each timestamp into a
# datetime in Python, row by row (a bulk import's 8,000 rows: ~90 ms of a ~140 ms read).
STAMP = Cast("created_at", output_field=CharField())


def _stamped():
    return Change.objects.annotate(stamp=STAMP)


def current_position() -> int:
    """The newest sequence number (0 for an empty feed)."""
    return Change.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def _created_at(seq: int) -> str | None:
    return _stamped().filter(seq=seq).values_list("stamp", flat=True).first()


def _snapshot_bounds() -> tuple[int, int]:
    """(xmin, xmax) of a new snapshot: transactions below xmin have ended; ids from xmax on are not
    yet assigned. SQLite: no gap can fill, so every gap is final at once."""
    if connection.vendor != "postgresql":
        return INFINITY, 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text, pg_snapshot_xmax(pg_current_snapshot())::text"
        )
        low, high = cursor.fetchone()
    return int(low), int(high)


def _rows(*, above: int, limit: int, snapshots: bool) -> list[FeedRow]:
    columns = COLUMNS if snapshots else LIGHT_COLUMNS
    columns = _fetch(_stamped().filter(seq__gte=above).order_by("seq").values_list(*columns)[:limit])
    if not columns:
        return []
    if not snapshots:
        columns.insert(COLUMNS.index("snapshot"), [None] * len(columns[0]))
    return list(map(FeedRow._make, zip(*columns, strict=True)))  # (no Python call per row)


def _fetch(queryset) -> list[list]:
    """The columns (lists) of a ``values_list`` queryset's rows ([] without rows), each converted
    by Django's own converters once per distinct stored value rather than once per row: the rows of
    one append share their time and their fields, and converting them row by row cost ten times
    reading them (8,000 rows of a bulk import: ~140 ms against ~10 ms). Stored snapshots and patches
    are decoded together, each row its own object (``_decode_together``). Other converted values are
    shared between rows: read-only."""
    compiler = queryset.query.get_compiler(using=queryset.db)
    chunks = compiler.execute_sql()  # raw rows, in chunks (as ``results_iter`` reads them)
    rows = [row for chunk in chunks for row in chunk] if chunks is not None else []
    fields = [selected[0] for selected in compiler.select[: compiler.col_count]]
    converters = compiler.get_converters(fields)
    if not rows:
        return []
    columns = [list(column) for column in zip(*rows, strict=True)]
    del rows
    for at, (functions, expression) in converters.items():
        target = getattr(expression, "target", None)
        if target is not None and target.name in PER_ROW_JSON and _decode_together(columns[at]):
            continue
        shared = target is None or target.name != "snapshot"
        known: dict = {}

        def convert(value, functions=functions, expression=expression):
            for function in functions:
                value = function(value, expression, compiler.connection)
            return value

        column = columns[at]
        for row, value in enumerate(column):
            if value is None:
                continue
            if shared:
                converted = known.get(value, known)
                if converted is known:
                    converted = known[value] = convert(value)
                column[row] = converted
            else:
                column[row] = convert(value)
    return columns


def _decode_together(column: list) -> bool:
    """Decode a column of JSON texts (a JSONField without a decoder, as SQLite and psycopg hand it
    over) with one ``json.loads`` of them all, in place: each row its own object, as Django's
    converter gives it, for a fraction of the cost of one call per row (a bulk import's 8,000
    patches: ~25 ms against ~3 ms). False, untouched, when a value is not text."""
    texts = [value for value in column if value is not None]
    if not texts:
        return True
    if not all(value.__class__ is str for value in texts):
        return False
    decoded = iter(json.loads("[" + ",".join(texts) + "]"))
    column[:] = [None if value is None else next(decoded) for value in column]
    return True


@dataclass
class FeedReader:
    """One in-memory consumer's position in the feed; see the module doc."""

    position: int = 0
    anchor: str | None = None  # stamp of the change at ``position`` (None at 0)
    snapshots: bool = False  # read the stored snapshots too
    seen: dict[int, str] = field(default_factory=dict)  # delivered seqs above the position
    gap_horizon: int | None = None
    gap_covers: int | None = None

    @classmethod
    def from_now(cls, *, snapshots: bool = False) -> "FeedReader":
        """A reader that starts after the newest change (what a consumer that just loaded the
        current state of everything needs)."""
        row = _stamped().order_by("-seq").values_list("seq", "stamp").first()
        seq, created = row if row is not None else (0, None)
        reader = cls(position=seq, anchor=created, snapshots=snapshots)
        if seq and connection.vendor == "postgresql":
            reader._stand_below_open_gap()
        return reader

    def _stand_below_open_gap(self) -> None:
        """PostgreSQL: a transaction still running may hold a number below the newest one and
        commit after this reader starts, and after its consumer loaded the current state. Stand
        below the lowest missing number among the recent changes, the committed ones above it
        counted as delivered (the consumer's load holds them), so ``read`` waits for that gap like
        any other (given up once every transaction that may hold it has ended). Without a gap
        nothing changes. Recent: written in the last ``GAP_LOOKBACK_SECONDS``; a transaction that
        appended its changes longer ago and is still open is not waited for."""
        since = timezone.now() - timedelta(seconds=GAP_LOOKBACK_SECONDS)
        floor = Change.objects.filter(created_at__lt=since, seq__lte=self.position).order_by("-seq")
        floor = floor.values_list("seq", flat=True).first()
        committed = dict(_stamped().filter(seq__gt=floor or 0, seq__lte=self.position).values_list("seq", "stamp"))
        start = floor + 1 if floor else min(committed)
        missing = next((seq for seq in range(start, self.position) if seq not in committed), None)
        if missing is None:
            return
        below = missing - 1
        self.position = below
        self.anchor = committed.get(below) if below > (floor or 0) else _created_at(below)
        self.seen = {seq: at for seq, at in committed.items() if seq > below}

    def read(self, *, limit: int = 5000) -> list[FeedRow] | None:
        """The changes not delivered yet, in sequence order (each once); None when this reader fell
        behind (its position is gone from the feed): start over with ``from_now``."""
        pending_note = self.gap_horizon is not None
        xmin = _snapshot_bounds()[0] if pending_note else None  # before the rows: see the module doc
        rows = _rows(above=self.position, limit=limit + len(self.seen) + 1, snapshots=self.snapshots)
        if self.position:
            if not rows or rows[0].seq != self.position or rows[0].created_at != self.anchor:
                return None
            rows = rows[1:]
        fresh = [row for row in rows if row.seq not in self.seen][:limit]
        for row in fresh:
            self.seen[row.seq] = row.created_at
        self._advance(xmin=xmin)
        return fresh

    def _advance(self, *, xmin: int | None) -> None:
        seen = self.seen
        while seen:
            following = self.position + 1
            if following in seen:
                self.position, self.anchor = following, seen.pop(following)
                continue
            if connection.vendor != "postgresql":  # one writer at a time: a gap never fills
                self._jump(min(seen))
                continue
            if self.gap_horizon is not None and xmin is not None and xmin >= self.gap_horizon:
                covers = self.gap_covers
                self.gap_horizon = self.gap_covers = None
                below = [seq for seq in seen if seq <= covers]
                if below:
                    self._jump(min(below))
                    continue
            break
        if not seen:
            self.gap_horizon = self.gap_covers = None
        elif self.gap_horizon is None:
            self.gap_horizon = _snapshot_bounds()[1]
            self.gap_covers = max(seen)

    def _jump(self, seq: int) -> None:
        """Give up the missing numbers below ``seq`` (final) and stand on ``seq``."""
        self.position, self.anchor = seq, self.seen.pop(seq)


@dataclass(frozen=True)
class FeedBatch:
    rows: list[FeedRow]
    position: int  # commit this once the rows are handled (changes.services.cursor_commit)
    behind: bool = False  # the feed was pruned past the cursor: resync from the records themselves


def changes_since(*, cursor: str, limit: int = 500, record_types: Iterable[str] | None = None) -> FeedBatch:
    """The next changes of the durable consumer ``cursor`` strictly in sequence order, without ever
    skipping one that commits late (see the module doc). Creates the cursor at the current end of
    the feed the first time. Reading never moves the cursor: commit ``batch.position`` afterwards."""
    state, created = ConsumerCursor.objects.get_or_create(name=cursor, defaults={"position": current_position()})
    if created:
        return FeedBatch(rows=[], position=state.position)
    xmin = _snapshot_bounds()[0] if state.gap_horizon is not None else None
    final_through = state.gap_covers if state.gap_horizon is not None and xmin >= state.gap_horizon else None
    rows = _rows(above=state.position + 1, limit=limit, snapshots=True)
    if state.position and rows and rows[0].seq > state.position + 1:
        pruned = ConsumerCursor.objects.filter(name="changes.pruned").values_list("position", flat=True).first()
        if pruned is not None and pruned > state.position:
            return FeedBatch(rows=[], position=state.position, behind=True)
    delivered: list[FeedRow] = []
    position = state.position
    sqlite = connection.vendor != "postgresql"
    stopped = False
    for row in rows:
        if row.seq == position + 1 or sqlite or (final_through is not None and row.seq <= final_through):
            delivered.append(row)
            position = row.seq
        else:  # a gap below this row may still fill: wait for it
            stopped = True
            break
    note = (state.gap_horizon, state.gap_covers)
    if final_through is not None:
        state.gap_horizon = state.gap_covers = None
    if stopped and state.gap_horizon is None:
        state.gap_horizon, state.gap_covers = _snapshot_bounds()[1], rows[-1].seq
    if (state.gap_horizon, state.gap_covers) != note:
        state.save(update_fields=["gap_horizon", "gap_covers", "updated_at"])
    if record_types is not None:
        wanted = set(record_types)
        delivered = [row for row in delivered if row.record_type in wanted]
    return FeedBatch(rows=delivered, position=position)


def latest_changes(*, keys: Iterable[str], since: int) -> list[tuple[int, str, dict | None]]:
    """What a client that last saw ``since`` missed of the records ``keys`` ("resource:12"): the
    newest change per key as (seq, key, snapshot or None: build it). When the feed no longer
    reaches back to ``since`` (pruned), every key comes at the current position, to be built."""
    keys = list(dict.fromkeys(keys))
    by_type: dict[str, list[int]] = {}
    for key in keys:
        record_type, _, pk = key.partition(":")
        by_type.setdefault(record_type, []).append(int(pk))
    pruned = ConsumerCursor.objects.filter(name="changes.pruned").values_list("position", flat=True).first() or 0
    if pruned > since:
        position = current_position()
        return [(position, key, None) for key in keys]
    latest: dict[str, tuple[int, str, dict | None]] = {}
    for record_type, ids in by_type.items():
        rows = Change.objects.filter(seq__gt=since, record_type=record_type, record_id__in=ids).order_by("seq")
        for seq, record_id, snapshot in rows.values_list("seq", "record_id", "snapshot").iterator():
            key = f"{record_type}:{record_id}"
            latest[key] = (seq, key, snapshot)
    return sorted(latest.values())
