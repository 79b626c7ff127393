"""The database backend: the columnar index per process, kept in step with the change feed, searched."""

import threading
import time

import numpy as np
from django.db import connection

from changes.listen import FeedSignal, feed_signal
from changes.selectors import FeedReader

from ...query import ComputeQuery
from ..base import (
    FACETS,
    SearchBackend,
    SearchResult,
    build_facets,
    hit,
    line_allowed_sites,
    lines_from_city,
    num_pages,
    offered_resource_ids,
)
from .catchup import FeedCatchUp
from .index import ColumnIndex
from .trim import release_freed_memory

# Announced commits are read at most this often: at a high commit rate (status pushes, 200/s in
# make bench-staleness) a read per commit re-reads one record per statement and costs the searches
# more than batching a few of them does; the wait it adds is at most this.
WAKE_SPACING_SECONDS = 0.02


class DatabaseBackend(FeedCatchUp, SearchBackend):
    """Search on the in-process columnar index, loaded from and kept in step with the database."""

    name = "database"

    def __init__(self, *, freshness_interval: float = 0.0, listen: bool = True):
        # 0: read the feed before every search; >0: at most that often outside transactions, and at
        # once after a commit was announced (PostgreSQL: changes.listen; ``listen=False``: poll only)
        self.freshness_interval = freshness_interval
        self.listen = listen
        self._signal: FeedSignal | None = None
        self._heard = 0
        self._index: ColumnIndex | None = None
        self._feed: FeedReader | None = None
        self._checked_at = 0.0
        self._lock = threading.RLock()
        self._lines: dict[str, dict] = {}  # user city -> lines_from_city(), until a line changes
        self._applied: dict[int, int] = {}  # resource id -> newest seq applied, while a gap is open

    # --- keeping in step -----------------------------------------------------------------------
    def rebuild(self) -> int:
        with self._lock:
            self._signal = feed_signal() if self.listen and self.freshness_interval else None
            self._heard = self._signal.heard() if self._signal is not None else 0
            feed = FeedReader.from_now()  # before loading: what commits meanwhile is read again
            self._index = ColumnIndex.load()
            self._feed = feed
            self._applied = {}
            self._checked_at = time.monotonic()
            self._lines.clear()
            release_freed_memory()
            return int(self._index.column("published").sum())

    def warm(self) -> None:
        """Build the index (if not yet built) and what the first queries would otherwise build."""
        with self._lock:
            self.index().warm()
            release_freed_memory()

    def reset(self) -> None:
        """Forget the index (the next search rebuilds it)."""
        with self._lock:
            self._index = None
            self._feed = None

    def resources_changed(self, ids) -> None:
        """This process changed resources (after commit): read the feed now rather than at the next
        search (the feed says which rows, and ``ids`` are among them)."""
        with self._lock:
            if self._index is not None:
                self._read_feed()

    def lines_changed(self) -> None:
        with self._lock:
            self._lines.clear()

    def index(self) -> ColumnIndex:
        with self._lock:
            if self._index is None:
                self.rebuild()
            elif (
                not self.freshness_interval
                or connection.in_atomic_block
                or time.monotonic() - self._checked_at >= self.freshness_interval
                or (
                    self._signal is not None
                    and self._signal.moved_since(self._heard)
                    and time.monotonic() - self._checked_at >= WAKE_SPACING_SECONDS
                )
            ):
                self._read_feed()
            return self._index

    def _read_feed(self) -> None:
        if self._signal is not None:
            self._heard = self._signal.heard()  # before reading: a commit announced meanwhile is read next time
        self._catch_up()
        self._checked_at = time.monotonic()

    # --- searching -------------------------------------------------------------------------------
    def search(self, query: ComputeQuery) -> SearchResult:
        with self._lock:
            index = self.index()
            lines = self._lines.get(query.user_city)
            if lines is None:
                lines = lines_from_city(query.user_city)
                if len(self._lines) > 1000:
                    self._lines.clear()
                self._lines[query.user_city] = lines
            return self._search(index, query, lines)

    def _search(self, index: ColumnIndex, query: ComputeQuery, lines) -> SearchResult:
        common = index.column("published")
        own: dict[str, np.ndarray] = {}
        for name in ("resource_class", "vendor", "model", "province", "cpu_architecture", "price_band", "source"):
            value = getattr(query, name)
            if value:
                own[name] = index.equals(name, value)
        if query.city:
            common = common & index.equals("city", query.city)
        for name, column in (
            ("min_cards", "total_cards"),
            ("min_fp16", "fp16"),
            ("min_fp32", "fp32"),
            ("min_fp64", "fp64"),
            ("min_memory_gb", "memory"),
        ):
            value = getattr(query, name)
            if value is not None:
                common = common & (index.column(column) >= float(value))
        if query.max_price is not None:
            common = common & (index.column("price") <= float(query.max_price))
        if query.min_reliability is not None:
            common = common & (index.column("reliability") >= float(query.min_reliability))
        if query.available_now:
            common = common & index.column("available_now")
        if query.certified_only:
            common = common & index.column("certified")
        offered = offered_resource_ids(query)
        if offered is not None:
            common = common & index.id_mask(offered)
        for term in query.terms:
            common = common & index.text_mask(term)
        allowed = line_allowed_sites(query, lines)
        if allowed is not None:
            common = common & index.site_mask(allowed)

        full = common
        for mask in own.values():
            full = full & mask

        # disjunctive facets: the facets nobody filters on count the rows of the full query; a facet
        # with a filter of its own counts the rows matching every other filter
        groups: dict[str | None, list[str]] = {}
        for facet, (_column, own_key) in FACETS.items():
            groups.setdefault(own_key if own_key in own else None, []).append(facet)
        count = int(np.count_nonzero(full))
        # the positions of the full query's rows, for its facets and its page (not for more than half
        # the rows: their facets are counted by the complement and their page read off the sort order)
        full_rows = np.flatnonzero(full) if count * 2 <= index.size else None
        raw: dict[str, dict[str, int]] = {}
        for key, facets in groups.items():
            rows = None
            if key is None:
                mask, matching, rows = full, count, full_rows
            else:
                mask = common
                for other, other_mask in own.items():
                    if other != key:
                        mask = mask & other_mask
                matching = int(np.count_nonzero(mask))
            counted = index.facet_counts(mask, matching, [FACETS[facet][0] for facet in facets], rows=rows)
            for facet in facets:
                values, counts = index.values[FACETS[facet][0]], counted[FACETS[facet][0]]
                raw[facet] = {values[code]: int(counts[code]) for code in np.flatnonzero(counts).tolist()}

        start, stop = query.offset, query.offset + query.page_size
        if query.sort == "latency":
            positions = index.latency_page(full, count, lines, start, stop)
        else:
            positions = index.page(query.sort, full, count, start, stop, selected=full_rows)
        results = [hit(document, query=query, lines=lines) for document in index.documents(positions)]
        return SearchResult(
            count=count,
            results=results,
            facets=build_facets(raw, index.source_names),
            page=query.page,
            page_size=query.page_size,
            num_pages=num_pages(count, query.page_size),
            backend=self.name,
        )
