"""The database backend: an in-process columnar facet index over the catalogue (the embedded default).

Why not SQL per query: one COUNT plus one GROUP BY per facet costs ~100 ms at 100k rows on SQLite.
Instead each process keeps the published-resource documents (search/documents.py) as numpy columns:

- built from ONE ``values()`` query (no model instances), lazily on the first search;
- a query is a few vectorised comparisons (one boolean mask per filter), facet counts are one
  ``bincount`` per facet over the rows matching every *other* filter (disjunctive facets: the counts
  of a facet do not depend on the value chosen in it), and a page is read off a precomputed sort
  permutation (``perm[flatnonzero(mask[perm])]``), so the cost is O(rows) in C, not in Python;
- free text: every whitespace-separated term must be a substring of the lowercased document text;
  the text is tokenised on whitespace into an inverted index, a term is looked up in the token
  vocabulary, so it costs O(vocabulary), not O(documents);
- kept in step: ``resources_changed`` (called after commit by search/indexing.py, a whole import
  batch at once) re-reads just those rows. A freshness stamp (newest id and ``updated_at`` of
  resources, newest id and ``changed_at`` of identifiers, newest line and record-version ids: index
  look-ups, ~0.05 ms) is compared before answering (``SEARCH_FRESHNESS_SECONDS``, default 0: every
  search), so changes committed by other processes (management commands, a second worker) are seen
  too: rows with a newer id or change time are re-read. Inside a transaction (services, tests) the
  row count is compared as well, and the index is rebuilt when rows went away.

The index works the same on SQLite and PostgreSQL: only the loading and stamp queries touch the
database, and both are plain ORM / ANSI SQL.
"""

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from datetime import UTC, timedelta
from itertools import islice

import numpy as np
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from catalog.models import ComputeResource, Identifier, NetworkLine, RecordVersion

from ..documents import resource_document, resource_rows
from ..query import ComputeQuery
from .base import (
    FACETS,
    SORT_FIELDS,
    SearchBackend,
    SearchResult,
    build_facets,
    hit,
    line_allowed_sites,
    lines_from_city,
    num_pages,
)

CATEGORICAL = ("resource_class", "vendor", "model", "province", "city", "cpu_architecture", "state", "price_band")
INTEGERS = ("id", "site_id", "total_cards", "available_units")
FLOATS = ("fp16", "fp32", "fp64", "accelerator_memory_gb", "price", "ppf_fp16", "ppf_fp32", "ppf_fp64")
BOOLEANS = ("published", "certified", "available_now")
TERM_CACHE_SIZE = 256
LOAD_CHUNK = 5000
# Re-read this much before the newest change already seen (clock skew between writers).
STAMP_OVERLAP = timedelta(seconds=5)


def _datetime(value):
    """SQLite answers raw MAX(datetime) as text: make it a datetime like PostgreSQL's."""
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is not None:
            return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)
    return value


def _float(value) -> float:
    return np.nan if value is None else float(value)


# Document values many resources share (names of providers, sites and places, codes, per-card figures):
# one string object each instead of one per row.
SHARED = frozenset(
    (
        "provider_name", "site_name", "province", "province_name", "city", "city_name", "resource_class",
        "vendor", "model", "cpu_architecture", "billing_unit", "state", "price_band", "price_yuan",
        "fp16_tflops_per_card", "fp32_tflops_per_card", "fp64_tflops_per_card", "certifications",
    )
)  # fmt: skip


class _Documents:
    """The documents as tuples in one key order, their shared strings stored once: about a third of
    the memory of a dict per resource (a million resources fit in a few hundred MB, not gigabytes).
    ``get`` gives the dict back (only the page's rows are ever unpacked)."""

    def __init__(self):
        self.keys: tuple[str, ...] | None = None
        self.rows: list[tuple | None] = []
        self._shared: dict = {}
        self._text_at = 0

    def pack(self, document: dict) -> tuple:
        if self.keys is None:
            self.keys = tuple(document)
            self._text_at = self.keys.index("text")
            self._shared_at = [at for at, key in enumerate(self.keys) if key in SHARED]
        values = [document[key] for key in self.keys]
        share = self._shared.setdefault
        for at in self._shared_at:
            value = values[at]
            if value is not None:
                if type(value) is list:
                    value = tuple(value)
                values[at] = share(value, value)
        return tuple(values)

    def __len__(self) -> int:
        return len(self.rows)

    def append(self, document: dict) -> None:
        self.rows.append(self.pack(document))

    def put(self, position: int, document: dict | None) -> None:
        self.rows[position] = None if document is None else self.pack(document)

    def exists(self, position: int) -> bool:
        return self.rows[position] is not None

    def text(self, position: int) -> str | None:
        row = self.rows[position]
        return None if row is None else row[self._text_at]

    def texts(self):
        at = self._text_at
        return (None if row is None else row[at] for row in self.rows)

    def get(self, position: int) -> dict:
        document = dict(zip(self.keys, self.rows[position], strict=True))
        document["certifications"] = list(document["certifications"])
        return document


class ColumnIndex:
    """The documents of every resource (published or not: ``published`` is a column), as columns."""

    def __init__(self, documents: Iterable[dict]):
        """``documents`` may be a generator: it is consumed in chunks, so that a million documents
        never exist as dicts at the same time."""
        self.size = 0
        self.existing = 0  # rows that still exist in the database (dropped ones do not count)
        self.capacity = 0
        self.documents = _Documents()
        self.position: dict[int, int] = {}
        self.vocab: dict[str, dict[str, int]] = {name: {"": 0} for name in CATEGORICAL}
        self.values: dict[str, list[str]] = {name: [""] for name in CATEGORICAL}
        self.columns: dict[str, np.ndarray] = {}
        self._grow(16)
        self.version = 0
        self._orders: dict[str, np.ndarray] = {}
        self._ranks: dict[str, np.ndarray] = {}
        self._text: _TextIndex | None = None
        self._terms: OrderedDict[str, np.ndarray] = OrderedDict()
        documents = iter(documents)
        while chunk := list(islice(documents, LOAD_CHUNK)):
            self.put(chunk)

    # --- storage ---------------------------------------------------------------------------
    def _grow(self, capacity: int) -> None:
        def extend(array: np.ndarray | None, dtype, fill) -> np.ndarray:
            grown = np.full(capacity, fill, dtype=dtype)
            if array is not None:
                grown[: self.size] = array[: self.size]
            return grown

        for name in CATEGORICAL:
            self.columns[name] = extend(self.columns.get(name), np.int32, 0)
        for name in INTEGERS:
            self.columns[name] = extend(self.columns.get(name), np.int64, 0)
        for name in FLOATS:
            self.columns[name] = extend(self.columns.get(name), np.float64, np.nan)
        for name in BOOLEANS:
            self.columns[name] = extend(self.columns.get(name), np.bool_, False)
        self.capacity = capacity

    def _code(self, name: str, value) -> int:
        value = value or ""
        vocab = self.vocab[name]
        code = vocab.get(value)
        if code is None:
            code = vocab[value] = len(self.values[name])
            self.values[name].append(value)
        return code

    def put(self, documents: list[dict]) -> None:
        """Insert or overwrite documents (by id)."""
        new = sum(1 for document in documents if document["id"] not in self.position)
        if self.size + new > self.capacity:
            self._grow(max(self.capacity * 2, self.size + new))
        columns = self.columns
        text_changed = False
        for document in documents:
            position = self.position.get(document["id"])
            if position is None:
                position = self.position[document["id"]] = self.size
                self.size += 1
                self.existing += 1
                self.documents.append(document)
                text_changed = True
            else:
                previous = self.documents.text(position)
                if previous is None:
                    self.existing += 1
                text_changed = text_changed or previous != document["text"]
                self.documents.put(position, document)
            for name in CATEGORICAL:
                columns[name][position] = self._code(name, document[name])
            for name in INTEGERS:
                columns[name][position] = document[name]
            for name in FLOATS:
                columns[name][position] = _float(
                    document[name] if name in document else document.get(f"{name}_tflops_per_card")
                )
            for name in BOOLEANS:
                columns[name][position] = document[name]
        self._changed(text_changed)

    def drop(self, ids) -> None:
        """Rows that no longer exist: never found again."""
        for record_id in ids:
            position = self.position.get(record_id)
            if position is not None and self.documents.exists(position):
                self.columns["published"][position] = False
                self.documents.put(position, None)
                self.existing -= 1
        self._changed(False)

    def _changed(self, text_changed: bool) -> None:
        self.version += 1
        self._orders.clear()
        self._ranks.clear()
        if text_changed:
            self._text = None
            self._terms.clear()

    # --- querying --------------------------------------------------------------------------
    def column(self, name: str) -> np.ndarray:
        return self.columns[name][: self.size]

    def equals(self, name: str, value: str) -> np.ndarray:
        code = self.vocab[name].get(value)
        if code is None:
            return np.zeros(self.size, dtype=np.bool_)
        return self.column(name) == code

    def build_text_index(self) -> None:
        if self._text is None:
            self._text = _TextIndex(self.documents.texts())

    def text_mask(self, term: str) -> np.ndarray:
        term = term.lower()
        cached = self._terms.get(term)
        if cached is not None:
            self._terms.move_to_end(term)
            return cached
        self.build_text_index()
        mask = self._text.mask(term, self.size)
        self._terms[term] = mask
        if len(self._terms) > TERM_CACHE_SIZE:
            self._terms.popitem(last=False)
        return mask

    def order(self, sort: str) -> np.ndarray:
        """Positions of every row in ``sort`` order, ties by id (NaN, i.e. unknown, last)."""
        perm = self._orders.get(sort)
        if perm is None:
            name, descending = SORT_FIELDS[sort]
            key = self.column(name)
            if descending:
                key = -key
            perm = self._orders[sort] = np.lexsort((self.column("id"), key))
        return perm

    def rank(self, sort: str) -> np.ndarray:
        """Each row's place in ``order(sort)`` (the inverse permutation)."""
        ranks = self._ranks.get(sort)
        if ranks is None:
            perm = self.order(sort)
            ranks = np.empty(len(perm), dtype=np.int64)
            ranks[perm] = np.arange(len(perm), dtype=np.int64)
            self._ranks[sort] = ranks
        return ranks

    def page(self, sort: str, full: np.ndarray, selected: np.ndarray, start: int, stop: int) -> np.ndarray:
        """Positions of the matching rows ``start:stop`` in ``sort`` order. Few matches: rank just
        them (O(matches)); many: walk the sort order until the page is full (O(rows read)), instead
        of gathering the whole mask through the permutation (a random read of every row)."""
        if start >= len(selected):
            return selected[:0]
        if len(selected) * 16 <= self.size:
            ranks = self.rank(sort)[selected]
            part = np.argpartition(ranks, stop - 1)[:stop] if stop < len(ranks) else np.arange(len(ranks))
            return selected[part[np.argsort(ranks[part])]][start:stop]
        perm = self.order(sort)
        chunk = max(4096, int(stop * self.size / len(selected) * 2))
        found: list[np.ndarray] = []
        have = 0
        for begin in range(0, len(perm), chunk):
            rows = perm[begin : begin + chunk]
            rows = rows[full[rows]]
            found.append(rows)
            have += len(rows)
            if have >= stop:
                break
        return np.concatenate(found)[start:stop]


class _TextIndex:
    """Whitespace tokens of the lowercased document texts, with a searchable vocabulary."""

    def __init__(self, texts):
        vocab: dict[str, int] = {}
        token_ids: list[int] = []
        rows: list[int] = []
        for position, text in enumerate(texts):
            if text is None:
                continue
            for token in set(text.lower().split()):
                token_id = vocab.setdefault(token, len(vocab))
                token_ids.append(token_id)
                rows.append(position)
        self.tokens = list(vocab)
        self.joined = "\n".join(self.tokens)
        starts = np.zeros(len(self.tokens), dtype=np.int64)
        if self.tokens:
            starts[1:] = np.cumsum([len(token) + 1 for token in self.tokens[:-1]])
        self.starts = starts
        self.entry_token = np.array(token_ids, dtype=np.int64)
        self.entry_row = np.array(rows, dtype=np.int64)

    def mask(self, term: str, size: int) -> np.ndarray:
        mask = np.zeros(size, dtype=np.bool_)
        if not self.tokens or "\n" in term:
            return mask
        found = np.fromiter((match.start() for match in re.finditer(re.escape(term), self.joined)), dtype=np.int64)
        if not len(found):
            return mask
        matched = np.zeros(len(self.tokens), dtype=np.bool_)
        matched[np.searchsorted(self.starts, found, side="right") - 1] = True
        rows = self.entry_row[matched[self.entry_token]]
        mask[rows[rows < size]] = True
        return mask


class DatabaseBackend(SearchBackend):
    """Search on the in-process columnar index, loaded from and kept in step with the database."""

    name = "database"

    def __init__(self, *, freshness_interval: float = 0.0):
        # 0: compare the stamp before every search; >0: at most that often outside transactions
        self.freshness_interval = freshness_interval
        self._index: ColumnIndex | None = None
        self._stamp: tuple | None = None
        self._checked_at = 0.0
        self._lock = threading.RLock()
        self._lines: dict[str, dict] = {}  # user city -> lines_from_city(), until the stamp changes

    # --- keeping in step -----------------------------------------------------------------------
    def stamp(self) -> tuple:
        """Newest id and change time of resources and of identifiers: one query of four index
        look-ups (with the ``updated_at`` / ``changed_at`` indexes; see README)."""
        resource = ComputeResource._meta.db_table
        identifier = Identifier._meta.db_table
        line = NetworkLine._meta.db_table
        version = RecordVersion._meta.db_table  # every described / status change of a line adds one
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT (SELECT MAX(id) FROM {resource}), (SELECT MAX(updated_at) FROM {resource}), "
                f"(SELECT MAX(id) FROM {identifier}), (SELECT MAX(changed_at) FROM {identifier}), "
                f"(SELECT MAX(id) FROM {line}), (SELECT MAX(id) FROM {version})"
            )
            return tuple(_datetime(value) for value in cursor.fetchone())

    def rebuild(self) -> int:
        with self._lock:
            stamp = self.stamp()
            self._index = ColumnIndex(resource_document(row) for row in resource_rows())
            self._index.build_text_index()  # now, not in the first text search
            self._stamp = stamp
            self._checked_at = time.monotonic()
            self._lines.clear()
            return int(self._index.column("published").sum())

    def reset(self) -> None:
        """Forget the index (the next search rebuilds it)."""
        with self._lock:
            self._index = None
            self._stamp = None

    def resources_changed(self, ids) -> None:
        with self._lock:
            if self._index is None:
                return
            self._refresh(set(ids))

    def lines_changed(self) -> None:
        with self._lock:
            self._lines.clear()

    def _refresh(self, ids: set[int]) -> None:
        index = self._index
        documents = [resource_document(row) for row in resource_rows(ids=ids)]
        index.put(documents)
        index.drop(ids - {document["id"] for document in documents})

    def _catch_up(self, *, exact: bool = False) -> None:
        """Pick up what other processes (or unannounced writes in this one) changed since the stamp:
        rows with a newer id or change time (index range scans), re-read like any other change."""
        if exact and ComputeResource.objects.count() != self._index.existing:
            self.rebuild()  # rows went away (a rollback, a flush, a delete): start over
            return
        stamp = self.stamp()
        if stamp == self._stamp:
            return
        previous = self._stamp
        self._lines.clear()  # lines or identifiers changed: forget the lines per city
        if previous is not None and stamp[:4] == previous[:4]:
            self._stamp = stamp
            return
        if previous is None or previous[1] is None:
            self.rebuild()
            return
        resources = ComputeResource.objects.filter(
            Q(pk__gt=previous[0]) | Q(updated_at__gte=previous[1] - STAMP_OVERLAP)
        )
        changed = set(resources.order_by().values_list("pk", flat=True))
        identifiers = Identifier.objects.filter(resource__isnull=False)
        if previous[3] is not None:
            identifiers = identifiers.filter(
                Q(pk__gt=previous[2] or 0) | Q(changed_at__gte=previous[3] - STAMP_OVERLAP)
            )
        changed |= set(identifiers.order_by().values_list("resource_id", flat=True))
        self._refresh(changed)
        self._stamp = stamp

    def index(self) -> ColumnIndex:
        with self._lock:
            if self._index is None:
                self.rebuild()
            elif (
                not self.freshness_interval
                or connection.in_atomic_block
                or time.monotonic() - self._checked_at >= self.freshness_interval
            ):
                # inside a transaction also count rows: cheap on what a transaction sees in tests and
                # services, and it notices rows that went away without an announcement
                self._catch_up(exact=connection.in_atomic_block)
                self._checked_at = time.monotonic()
            return self._index

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
        common = index.column("published").copy()
        own: dict[str, np.ndarray] = {}
        for name in ("resource_class", "vendor", "model", "province", "cpu_architecture"):
            value = getattr(query, name)
            if value:
                own[name] = index.equals(name, value)
        if query.city:
            common &= index.equals("city", query.city)
        for name, column in (
            ("min_cards", "total_cards"),
            ("min_fp16", "fp16"),
            ("min_fp32", "fp32"),
            ("min_fp64", "fp64"),
            ("min_memory_gb", "accelerator_memory_gb"),
        ):
            value = getattr(query, name)
            if value is not None:
                common &= index.column(column) >= float(value)
        if query.max_price is not None:
            common &= index.column("price") <= float(query.max_price)
        if query.available_now:
            common &= index.column("available_now")
        if query.certified_only:
            common &= index.column("certified")
        for term in query.terms:
            common &= index.text_mask(term)
        allowed = line_allowed_sites(query, lines)
        if allowed is not None:
            common &= np.isin(index.column("site_id"), np.fromiter(allowed, dtype=np.int64, count=len(allowed)))

        full = common.copy()
        for mask in own.values():
            full &= mask

        raw: dict[str, dict[str, int]] = {}
        selections: dict[str | None, np.ndarray] = {}
        for facet, (column, own_key) in FACETS.items():
            key = own_key if own_key in own else None
            selection = selections.get(key)
            if selection is None:
                if key is None:
                    mask = full
                else:
                    mask = common.copy()
                    for other, other_mask in own.items():
                        if other != key:
                            mask &= other_mask
                selection = selections[key] = np.flatnonzero(mask)
            counts = np.bincount(index.column(column)[selection], minlength=len(index.values[column]))
            values = index.values[column]
            raw[facet] = {values[code]: int(counts[code]) for code in np.flatnonzero(counts)}

        count = int(len(selections[None])) if None in selections else int(full.sum())
        start, stop = query.offset, query.offset + query.page_size
        if query.sort == "latency":
            positions = self._latency_page(index, full, lines, start, stop)
        else:
            selected = selections[None] if None in selections else np.flatnonzero(full)
            positions = index.page(query.sort, full, selected, start, stop)
        results = [hit(index.documents.get(position), query=query, lines=lines) for position in positions]
        return SearchResult(
            count=count,
            results=results,
            facets=build_facets(raw),
            page=query.page,
            page_size=query.page_size,
            num_pages=num_pages(count, query.page_size),
            backend=self.name,
        )

    @staticmethod
    def _latency_page(index: ColumnIndex, full: np.ndarray, lines, start: int, stop: int) -> np.ndarray:
        """Rows by the rank of their site's best line (no line last), then id; only the page is sorted."""
        selected = np.flatnonzero(full)
        if not len(selected) or start >= len(selected):
            return selected[:0]
        sites = np.fromiter(lines, dtype=np.int64, count=len(lines))
        ranks = np.fromiter((choice.rank for choice in lines.values()), dtype=np.int64, count=len(lines))
        order = np.argsort(sites)
        sites, ranks = sites[order], ranks[order]
        site_of_row = index.column("site_id")[selected]
        rank = np.full(len(selected), len(lines), dtype=np.int64)
        if len(sites):
            where = np.searchsorted(sites, site_of_row).clip(0, len(sites) - 1)
            found = sites[where] == site_of_row
            rank[found] = ranks[where[found]]
        ids = index.column("id")[selected]
        key = rank * (int(ids.max()) + 1) + ids
        part = np.argpartition(key, stop - 1)[:stop] if stop < len(key) else np.arange(len(key))
        part = part[np.argsort(key[part])]
        return selected[part[start:stop]]
