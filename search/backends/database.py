"""The database backend: an in-process columnar facet index over the catalogue (the embedded default).

Why not SQL per query: one COUNT plus one GROUP BY per facet costs ~100 ms at 100k rows on SQLite.
Instead each process keeps every resource as numpy columns (``ColumnIndex``):

- loaded column-wise, with no model instances and no dict per row: one ORM-compiled query over the
  resource table (with its identifier) read through a server-side cursor in chunks of
  ``FETCH_CHUNK`` rows, each chunk transposed into columns and turned into numpy arrays in bulk;
  site and provider names come from their own small tables. Strings many rows share (classes,
  models, places, descriptions, certifications) are dictionary-encoded: one small integer per row.
  Only names and identifiers are kept per row, as Python strings. A document (search/documents.py)
  is assembled for the rows of a page only;
- a query is a few vectorised comparisons (one boolean mask per filter); facet counts are
  ``bincount``s over the rows matching every *other* filter (disjunctive facets: the counts of a
  facet do not depend on the value chosen in it), facets with few values counted together through
  one joint code, and a selection of more than half the rows counted as all rows minus the others;
  a page of a large selection is read off a precomputed sort permutation, a small selection is
  ranked by its rows' precomputed ranks; the latency sort walks the sites in the order of their
  best line (rows grouped by site, by id). The sort orders are patched after a change of a few
  rows, not sorted again (``_Order``);
- free text: every whitespace-separated term must be a substring of one whitespace token of the
  lowercased document text. A term has no whitespace, so that is: a substring of one of the text's
  parts. Shared parts are matched once per distinct value and mapped to rows through their codes;
  names and identifiers are searched in one newline-joined string each (built once, then only the
  rows changed since are checked one by one, until enough changed to build it again);
- kept in step by the change feed (changes/): every catalogue write appends its changes in its own
  transaction; the index keeps a ``FeedReader`` positioned where it was loaded and, before
  answering, reads the changes committed since (by any process) and re-reads just those rows: a
  resource, every resource of a renamed site or organisation (provider), the lines per city after
  a line changed. The reader never skips a change that commits late with a lower sequence number
  (see changes.selectors). The feed is read at most every ``SEARCH_FRESHNESS_SECONDS`` outside
  transactions (default: every search on SQLite, where the read costs ~0.05 ms; every 0.1 s on
  PostgreSQL: see ``backends.freshness_seconds``), always inside a transaction. When the reader's
  position is gone from the feed (pruned past it, or a transaction that searched rolled back) the
  index is rebuilt.
- warm: ``DatabaseBackend.warm()`` builds the index and everything the first queries would
  otherwise build (sort orders, ranks, the text and site groupings); an ASGI server process runs it
  in a background thread on its first request (search/warmup.py), so no user query pays the build.

The index works the same on SQLite and PostgreSQL: only the loading and feed queries touch the
database, and both are ORM-compiled / ANSI SQL.
"""

import json
import re
import threading
import time
from collections import OrderedDict

import numpy as np
from django.db import connection, transaction

from catalog.availability import free_units
from catalog.models import ComputeResource, ListingState, Provider, Site
from changes.selectors import FeedReader

from ..documents import HIDDEN_IDENTIFIER_STATES, PRICE_BANDS
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

# The resource columns the index reads (sites and providers are read from their own tables).
FETCH = (
    "id", "name", "description", "provider_id", "site_id", "province_code", "city_code", "resource_class",
    "accelerator_vendor", "accelerator_model", "accelerators_per_node", "node_count", "cpu_architecture",
    "vcpus_per_node", "memory_gb_per_node", "accelerator_memory_gb", "fp16_tflops_per_card",
    "fp32_tflops_per_card", "fp64_tflops_per_card", "billing_unit", "price_yuan", "available_units", "state",
    "certifications", "listing_state", "identifier__code", "identifier__state",
)  # fmt: skip
# What is read for "available_units": reported − held − allocated (catalog.availability), not the report.
FETCH_QUERY = tuple("free_units" if name == "available_units" else name for name in FETCH)
FETCH_CHUNK = 50_000
ID_BATCH = 10_000
# Dictionary-encoded columns: document field (or internal name) -> fetched column
CATEGORICAL = {
    "resource_class": "resource_class",
    "vendor": "accelerator_vendor",
    "model": "accelerator_model",
    "province": "province_code",
    "city": "city_code",
    "cpu_architecture": "cpu_architecture",
    "state": "state",
    "billing_unit": "billing_unit",
    "description": "description",
    "site": "site_id",
    "provider": "provider_id",
    "price_band": None,  # derived from the price
    "certifications": None,  # decoded JSON lists, as tuples
}
# int64 columns; -1 stands for NULL in the nullable ones (all are non-negative in the catalogue)
INTEGERS = (
    "id", "site_id", "provider_id", "accelerators_per_node", "node_count", "total_cards", "available_units",
    "vcpus_per_node", "memory_gb_per_node", "accelerator_memory_gb",
)  # fmt: skip
NULLABLE_INTEGERS = ("vcpus_per_node", "memory_gb_per_node", "accelerator_memory_gb")
# float64 columns; NaN is NULL ("memory" is accelerator_memory_gb for the filter)
FLOATS = ("fp16", "fp32", "fp64", "memory", "price", "ppf_fp16", "ppf_fp32", "ppf_fp64")
BOOLEANS = ("published", "certified", "available_now", "exists")
PRECISIONS = ("fp16", "fp32", "fp64")
# Document fields searched as text, each either per row or through a dictionary-encoded column.
TEXT_ROW_PARTS = ("names", "identifiers")
TEXT_CODED_PARTS = ("description", "vendor", "model", "cpu_architecture", "certifications")
# Facet columns counted together (one bincount of a joint code when a query counts more than one
# of a group over the same rows): few values each, so the joint codes stay small.
JOINT = (("resource_class", "cpu_architecture", "state", "price_band"), ("vendor", "model"), ("province",))
assert {name for group in JOINT for name in group} == {column for column, _own in FACETS.values()}
TERM_CACHE_SIZE = 64
# The joined text is built again once this share of the rows changed after it was built.
TEXT_REBUILD_SHARE = 0.02
HIDDEN = frozenset(str(state) for state in HIDDEN_IDENTIFIER_STATES)
BAND_LOWS = np.array([low for _key, low, _high in PRICE_BANDS], dtype=np.float64)
# Changes read from the feed per query while catching up.
FEED_BATCH = 20_000


def _two_places(value: float) -> str | None:
    """The display string of a two-decimal column (what ``format(Decimal, ".2f")`` gives: a float
    holds every value of such a column closely enough to round back to it)."""
    return None if value != value else f"{value:.2f}"


def _certifications(raw) -> tuple[str, ...]:
    if isinstance(raw, str):
        raw = json.loads(raw)
    return tuple(str(item) for item in (raw or ()))


def _places(site_ids=None) -> dict[int, tuple[str, str, str]]:
    """Site id -> (name, province name, city name)."""
    sites = Site.objects.order_by()
    if site_ids is not None:
        sites = sites.filter(pk__in=list(site_ids))
    return {
        pk: (name, province or "", city or "")
        for pk, name, province, city in sites.values_list("id", "name", "province__name_zh", "city__name_zh")
    }


def _provider_names(provider_ids=None) -> dict[int, str]:
    providers = Provider.objects.order_by()
    if provider_ids is not None:
        providers = providers.filter(pk__in=list(provider_ids))
    return dict(providers.values_list("id", "organization__name"))


class ColumnIndex:
    """Every resource (published or not: ``published`` is a column) as columns; see the module doc."""

    def __init__(self):
        self.size = 0
        self.existing = 0  # rows that still exist in the database (dropped ones do not count)
        self.capacity = 0
        self.columns: dict[str, np.ndarray] = {}
        self.vocab: dict[str, dict] = {name: {"": 0} for name in CATEGORICAL}
        self.values: dict[str, list] = {name: [""] for name in CATEGORICAL}
        self.vocab["certifications"] = {(): 0}
        self.values["certifications"] = [()]
        self._certification_codes: dict = {}  # raw JSON text -> code
        self.names: list[str] = []
        self.identifiers: list[str | None] = []
        self.sites: dict[int, tuple[str, str, str]] = {}
        self.providers: dict[int, str] = {}
        # positions in id order (find rows by binary search), or else this map
        self._position: dict[int, int] | None = None
        self._grow(16)
        self.version = 0
        self._orders: dict[str, _Order] = {}  # sort (or "site") -> rows in that order
        self._id_order: np.ndarray | None = None
        self._site_starts: np.ndarray | None = None
        self._joints: dict[tuple[str, ...], tuple[np.ndarray, tuple[int, ...]]] = {}
        self._totals_cache: dict[str, np.ndarray] = {}
        self._text: _TextIndex | None = None
        self._text_dirty: set[int] = set()  # rows changed since the text index was built
        self._terms: OrderedDict[str, np.ndarray] = OrderedDict()  # term -> mask, for this version

    @classmethod
    def load(cls, *, chunk_size: int = FETCH_CHUNK) -> "ColumnIndex":
        index = cls()
        index.sites, index.providers = _places(), _provider_names()
        index.read(ids=None, chunk_size=chunk_size)
        index.build_text_index()
        return index

    # --- loading -----------------------------------------------------------------------------
    def read(self, *, ids=None, chunk_size: int = FETCH_CHUNK) -> set[int]:
        """Read these resources (all when ``ids`` is None) from the database into the index, a chunk
        at a time (a server-side cursor on PostgreSQL, inside a transaction so that it streams and
        sees one snapshot); return the ids found."""
        if ids is None:
            batches = [ComputeResource.objects.order_by("pk")]
            self._grow(max(self.capacity, ComputeResource.objects.count() + 1024))  # no growing while loading
        else:  # (at most ID_BATCH ids per statement: SQLite limits the parameters of one)
            ids = sorted(ids)
            batches = [
                ComputeResource.objects.filter(pk__in=ids[at : at + ID_BATCH]).order_by("pk")
                for at in range(0, len(ids), ID_BATCH)
            ]
        found: set[int] = set()
        with transaction.atomic():
            for queryset in batches:
                free = queryset.annotate(free_units=free_units())
                sql, params = free.values_list(*FETCH_QUERY).query.sql_with_params()
                with connection.chunked_cursor() as cursor:
                    cursor.execute(sql, params)
                    while rows := cursor.fetchmany(chunk_size):
                        columns = dict(zip(FETCH, zip(*rows, strict=True), strict=True))
                        del rows
                        if ids is not None:
                            found.update(columns["id"])
                        self.put(columns)
        return found

    def _grow(self, capacity: int) -> None:
        def extend(array: np.ndarray | None, dtype, fill) -> np.ndarray:
            grown = np.full(capacity, fill, dtype=dtype)
            if array is not None:
                grown[: self.size] = array[: self.size]
            return grown

        for name in CATEGORICAL:
            self.columns[name] = extend(self.columns.get(name), np.int32, 0)
        for name in INTEGERS:
            self.columns[name] = extend(self.columns.get(name), np.int64, -1 if name in NULLABLE_INTEGERS else 0)
        for name in FLOATS:
            self.columns[name] = extend(self.columns.get(name), np.float64, np.nan)
        for name in BOOLEANS:
            self.columns[name] = extend(self.columns.get(name), np.bool_, False)
        self.capacity = capacity

    def _codes(self, name: str, values) -> np.ndarray:
        """Dictionary-encode ``values`` (None and "" are code 0)."""
        vocab, known = self.vocab[name], self.values[name]
        get = vocab.get
        codes = [get(value, -1) for value in values]
        if -1 in codes:
            for at, value in enumerate(values):
                if codes[at] == -1:
                    code = vocab.get(value)
                    if code is None:
                        if value is None:
                            code = 0
                        else:
                            code = vocab[value] = len(known)
                            known.append(value)
                    codes[at] = code
        return np.array(codes, dtype=np.int32)

    def _certification_column(self, raws) -> np.ndarray:
        by_raw = self._certification_codes
        codes = [by_raw.get(raw, -1) if isinstance(raw, str) else -1 for raw in raws]
        if -1 in codes:
            for at, raw in enumerate(raws):
                if codes[at] == -1:
                    code = by_raw.get(raw) if isinstance(raw, str) else None
                    if code is None:
                        code = int(self._codes("certifications", [_certifications(raw)])[0])
                        if isinstance(raw, str):
                            by_raw[raw] = code
                    codes[at] = code
        return np.array(codes, dtype=np.int32)

    def _positions(self, ids: np.ndarray) -> np.ndarray:
        """Row positions of these ids (-1: not in the index)."""
        if self._position is not None:
            get = self._position.get
            return np.array([get(pk, -1) for pk in ids.tolist()], dtype=np.int64)
        known = self.columns["id"][: self.size]
        at = np.searchsorted(known, ids)
        inside = at < self.size
        found = np.zeros(len(ids), dtype=np.bool_)
        found[inside] = known[at[inside]] == ids[inside]
        return np.where(found, at, -1)

    def _place(self, ids: np.ndarray) -> np.ndarray:
        """Positions for these ids, appending the new ones (keeps the id order when it can)."""
        positions = self._positions(ids)
        new = positions < 0
        count = int(new.sum())
        if count:
            if self.size + count > self.capacity:
                self._grow(max(self.capacity + self.capacity // 4, self.size + count))
            fresh = np.arange(self.size, self.size + count, dtype=np.int64)
            positions[new] = fresh
            new_ids = ids[new]
            if self._position is None:
                last = self.columns["id"][self.size - 1] if self.size else -1
                if new_ids[0] <= last or (count > 1 and not bool(np.all(new_ids[1:] > new_ids[:-1]))):
                    known = self.columns["id"][: self.size].tolist()
                    self._position = dict(zip(known, range(self.size), strict=True))
            if self._position is not None:
                self._position.update(zip(new_ids.tolist(), fresh.tolist(), strict=True))
            self.columns["id"][fresh] = new_ids
            self.size += count
        return positions

    def put(self, rows: dict[str, tuple]) -> None:
        """Insert or overwrite rows (by id), given as columns (FETCH names -> equal-length tuples)."""
        count = len(rows["id"])
        if not count:
            return
        ids = np.fromiter(rows["id"], dtype=np.int64, count=count)
        old_size = self.size
        positions = self._place(ids)
        columns = self.columns
        appended = self.size - old_size == count  # all new: at old_size onwards, in this order

        was = columns["exists"][positions]
        self.existing += int(count - was.sum())
        columns["exists"][positions] = True
        # per-row strings
        if appended:
            self.names.extend(rows["name"])
            self.identifiers.extend(rows["identifier__code"])
        else:
            for position, name, identifier in zip(
                positions.tolist(), rows["name"], rows["identifier__code"], strict=True
            ):
                if position >= len(self.names):
                    self.names.append(name)
                    self.identifiers.append(identifier)
                else:
                    self.names[position] = name
                    self.identifiers[position] = identifier
            if self._text is not None:
                self._text_dirty.update(position for position in positions.tolist() if position < self._text.size)
        # dictionary-encoded columns
        for name, fetched in CATEGORICAL.items():
            if fetched is not None:
                columns[name][positions] = self._codes(name, rows[fetched])
        columns["certifications"][positions] = self._certification_column(rows["certifications"])
        # numbers
        per_node = np.fromiter(rows["accelerators_per_node"], dtype=np.int64, count=count)
        nodes = np.fromiter(rows["node_count"], dtype=np.int64, count=count)
        units = np.fromiter(rows["available_units"], dtype=np.int64, count=count)
        columns["site_id"][positions] = rows["site_id"]
        columns["provider_id"][positions] = rows["provider_id"]
        columns["accelerators_per_node"][positions] = per_node
        columns["node_count"][positions] = nodes
        columns["total_cards"][positions] = per_node * nodes
        columns["available_units"][positions] = units
        for name in NULLABLE_INTEGERS:
            values = np.array(rows[name], dtype=np.float64)
            columns[name][positions] = np.where(np.isnan(values), -1, values).astype(np.int64)
        columns["memory"][positions] = np.array(rows["accelerator_memory_gb"], dtype=np.float64)
        price = np.array(rows["price_yuan"], dtype=np.float64)
        columns["price"][positions] = price
        bands = np.clip(np.searchsorted(BAND_LOWS, price, side="right") - 1, 0, len(PRICE_BANDS) - 1)
        band_codes = self._codes("price_band", [key for key, _low, _high in PRICE_BANDS])
        columns["price_band"][positions] = band_codes[bands]
        billing = columns["billing_unit"][positions]
        card_hour = billing == self.vocab["billing_unit"].get("card_hour", -1)
        node_hour = billing == self.vocab["billing_unit"].get("node_hour", -1)
        cards = np.where(card_hour, 1, np.where(node_hour, per_node, 0)).astype(np.float64)
        for precision in PRECISIONS:
            tflops = np.array(rows[f"{precision}_tflops_per_card"], dtype=np.float64)
            columns[precision][positions] = tflops
            # as search.documents._price_performance: Python's round() of the same float expression
            ppf = np.full(count, np.nan)
            valid = (cards > 0) & (tflops == tflops) & (tflops != 0)
            if valid.any():
                raw = price[valid] * 1000.0 / (tflops[valid] * cards[valid])
                ppf[valid] = [round(value, 4) for value in raw.tolist()]
            columns[f"ppf_{precision}"][positions] = ppf
        # flags
        certified = np.array([bool(value) for value in self.values["certifications"]], dtype=np.bool_)
        columns["certified"][positions] = certified[columns["certifications"][positions]]
        online = self.vocab["state"].get("online", -1)
        columns["available_now"][positions] = (columns["state"][positions] == online) & (units > 0)
        approved = str(ListingState.APPROVED)
        columns["published"][positions] = np.array(
            [
                listing == approved and state not in HIDDEN
                for listing, state in zip(rows["listing_state"], rows["identifier__state"], strict=True)
            ],
            dtype=np.bool_,
        )
        self._changed(positions)

    def drop(self, ids) -> None:
        """Rows that no longer exist: never found again."""
        if not ids:
            return
        positions = self._positions(np.array(sorted(ids), dtype=np.int64))
        positions = positions[positions >= 0]
        positions = positions[self.columns["exists"][positions]]
        if len(positions):
            self.columns["published"][positions] = False
            self.columns["exists"][positions] = False
            self.existing -= len(positions)
            self._changed(positions)

    def _changed(self, positions: np.ndarray | None = None) -> None:
        """Forget what these rows' change invalidates (``None``: names of sites or providers): the
        sort orders are patched on their next use when few rows changed, rebuilt when many did;
        joint codes, totals and term masks are made again when next needed."""
        self.version += 1
        if positions is not None:
            if len(positions) * 20 > self.size:
                self._orders.clear()
            else:
                for order in self._orders.values():
                    order.pending.update(positions.tolist())
            self._id_order = None
            self._site_starts = None
            self._joints.clear()
            self._totals_cache.clear()
        self._terms.clear()

    # --- documents ----------------------------------------------------------------------------
    def documents(self, positions) -> list[dict]:
        """The documents (search/documents.py ``resource_document``) of these rows."""
        positions = np.asarray(positions, dtype=np.int64)
        if not len(positions):
            return []
        c = self.columns
        taken = {name: c[name][positions].tolist() for name in (*INTEGERS, *FLOATS, *BOOLEANS, *CATEGORICAL)}
        values = self.values
        documents = []
        for at, position in enumerate(positions.tolist()):

            def code(name, at=at):
                return values[name][taken[name][at]]

            def integer(name, at=at):
                value = taken[name][at]
                return None if name in NULLABLE_INTEGERS and value < 0 else value

            site_name, province_name, city_name = self.sites.get(taken["site_id"][at], ("", "", ""))
            certifications = list(code("certifications"))
            document = {
                "id": taken["id"][at],
                "identifier": self.identifiers[position],
                "published": taken["published"][at],
                "name": self.names[position],
                "provider_id": taken["provider_id"][at],
                "provider_name": self.providers.get(taken["provider_id"][at], ""),
                "site_id": taken["site_id"][at],
                "site_name": site_name,
                "province": code("province"),
                "province_name": province_name,
                "city": code("city"),
                "city_name": city_name,
                "resource_class": code("resource_class"),
                "vendor": code("vendor") or None,
                "model": code("model") or None,
                "accelerators_per_node": taken["accelerators_per_node"][at],
                "node_count": taken["node_count"][at],
                "total_cards": taken["total_cards"][at],
                "cpu_architecture": code("cpu_architecture"),
                "vcpus_per_node": integer("vcpus_per_node"),
                "memory_gb_per_node": integer("memory_gb_per_node"),
                "accelerator_memory_gb": integer("accelerator_memory_gb"),
                "fp16_tflops_per_card": _two_places(taken["fp16"][at]),
                "fp32_tflops_per_card": _two_places(taken["fp32"][at]),
                "fp64_tflops_per_card": _two_places(taken["fp64"][at]),
                "billing_unit": code("billing_unit"),
                "price_yuan": _two_places(taken["price"][at]),
                "price": taken["price"][at],
                "price_band": code("price_band"),
                "available_units": taken["available_units"][at],
                "state": code("state"),
                "certifications": certifications,
                "certified": taken["certified"][at],
                "available_now": taken["available_now"][at],
            }
            for precision in PRECISIONS:
                ppf = taken[f"ppf_{precision}"][at]
                document[f"ppf_{precision}"] = None if ppf != ppf else ppf
            document["text"] = " ".join(
                str(part)
                for part in (
                    document["name"],
                    code("description"),
                    document["identifier"],
                    document["provider_name"],
                    site_name,
                    province_name,
                    city_name,
                    document["vendor"],
                    document["model"],
                    document["cpu_architecture"],
                    " ".join(certifications),
                )
                if part
            )
            documents.append(document)
        return documents

    # --- querying --------------------------------------------------------------------------
    def column(self, name: str) -> np.ndarray:
        return self.columns[name][: self.size]

    def equals(self, name: str, value) -> np.ndarray:
        code = self.vocab[name].get(value)
        if code is None:
            return np.zeros(self.size, dtype=np.bool_)
        return self.column(name) == code

    def code_table(self, name: str, matching) -> np.ndarray:
        """A boolean per code of ``name``: whether ``matching(value)``; index it with the column."""
        return np.array([bool(value) and matching(value) for value in self.values[name]], dtype=np.bool_)

    def site_mask(self, site_ids) -> np.ndarray:
        """Rows at one of these sites (their rows are grouped by site: no pass over every row)."""
        rows, starts = self.by_site()
        vocab = self.vocab["site"]
        codes = sorted(code for code in map(vocab.get, site_ids) if code is not None)
        mask = np.zeros(self.size, dtype=np.bool_)
        if codes:
            mask[np.concatenate([rows[starts[code] : starts[code + 1]] for code in codes])] = True
        return mask

    def build_text_index(self) -> None:
        if self._text is None:
            self._text = _TextIndex([self.names, self.identifiers])
            self._text_dirty.clear()

    def text_mask(self, term: str) -> np.ndarray:
        """Rows whose text has ``term`` (lowercased) inside one of its whitespace tokens."""
        term = term.lower()
        cached = self._terms.get(term)
        if cached is not None:
            self._terms.move_to_end(term)
            return cached
        if self._text is None or len(self._text_dirty) + self.size - self._text.size > max(
            1000, self.size * TEXT_REBUILD_SHARE
        ):
            self._text = None
            self.build_text_index()
        text = self._text
        mask = np.zeros(self.size, dtype=np.bool_)
        mask[: text.size] = text.mask(term)
        # rows changed or added since the joined text was built: checked one by one
        for position in (*self._text_dirty, *range(text.size, self.size)):
            mask[position] = any(term in (value or "").lower() for value in self._row_parts(position))
        for name in TEXT_CODED_PARTS:
            matched = self.code_table(name, lambda value: term in _part_text(value).lower())
            if matched.any():
                mask |= matched[self.column(name)]
        sites = [code for code, pk in enumerate(self.values["site"]) if pk != "" and self._site_has(pk, term)]
        if sites:
            table = np.zeros(len(self.values["site"]), dtype=np.bool_)
            table[sites] = True
            mask |= table[self.column("site")]
        providers = self.code_table("provider", lambda pk: term in self.providers.get(pk, "").lower())
        if providers.any():
            mask |= providers[self.column("provider")]
        self._terms[term] = mask
        if len(self._terms) > TERM_CACHE_SIZE:
            self._terms.popitem(last=False)
        return mask

    def _row_parts(self, position: int) -> tuple:
        return (self.names[position], self.identifiers[position])

    def _site_has(self, site_id: int, term: str) -> bool:
        return any(term in part.lower() for part in self.sites.get(site_id, ()))

    def _sorted(self, sort: str) -> "_Order":
        """Every row in ``sort`` order (or by site code for "site"), ties by id, NaN (unknown) last."""
        order = self._orders.get(sort)
        if order is None or order.pending:
            name, descending = ("site", False) if sort == "site" else SORT_FIELDS[sort]
            key = self.column(name)
            if descending:
                key = -key
            if order is None:
                order = self._orders[sort] = _Order(key, self.column("id"))
            else:
                order.patch(key, self.column("id"))
        return order

    def order(self, sort: str) -> np.ndarray:
        """Positions of every row in ``sort`` order, ties by id (NaN, i.e. unknown, last)."""
        return self._sorted(sort).perm

    def rank(self, sort: str) -> np.ndarray:
        """Each row's place in ``order(sort)`` (the inverse permutation)."""
        return self._sorted(sort).rank()

    def by_site(self) -> tuple[np.ndarray, np.ndarray]:
        """Rows grouped by site code, by id within a site, and where each site's rows start."""
        rows = self._sorted("site").perm
        if self._site_starts is None:
            counts = np.bincount(self.column("site"), minlength=len(self.values["site"]))
            self._site_starts = np.concatenate(([0], np.cumsum(counts)))
        return rows, self._site_starts

    def _joint(self, names: tuple[str, ...]) -> tuple[np.ndarray, tuple[int, ...]]:
        """One code per row for several facet columns at once (mixed radix), and the radices."""
        joint = self._joints.get(names)
        if joint is None:
            radices = tuple(len(self.values[name]) for name in names)
            codes = self.column(names[0]).astype(np.int64)
            for name, radix in zip(names[1:], radices[1:], strict=True):
                codes *= radix
                codes += self.column(name)
            joint = self._joints[names] = (codes, radices)
        return joint

    def _totals(self, column: str, codes: np.ndarray, length: int) -> np.ndarray:
        """Counts over every row (published or not), for counting a large selection by its complement."""
        totals = self._totals_cache.get(column)
        if totals is None:
            totals = self._totals_cache[column] = np.bincount(codes, minlength=length)
        return totals

    def facet_counts(
        self, mask: np.ndarray, matching: int, names: list[str], *, rows: np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        """Counts per code of each facet column in ``names`` over the rows of ``mask`` (``matching``
        of them; ``rows``: their positions, when known). Several columns are counted with one
        ``bincount`` of their joint code (JOINT), and a selection of more than half the rows is
        counted as every row minus the rest."""
        complement = matching * 2 > self.size
        if rows is None or complement:
            rows = np.flatnonzero(~mask if complement else mask)
        wanted = set(names)
        counted: dict[str, np.ndarray] = {}
        for group in JOINT:
            needed = [name for name in group if name in wanted]
            if not needed:
                continue
            if len(needed) == 1:
                label, codes, radices = needed[0], self.column(needed[0]), (len(self.values[needed[0]]),)
            else:
                label = "+".join(group)
                codes, radices = self._joint(group)
            length = int(np.prod(radices))
            counts = np.bincount(codes[rows], minlength=length)
            if complement:
                counts = self._totals(label, codes, length) - counts
            if len(radices) == 1:
                counted[needed[0]] = counts
                continue
            counts = counts.reshape(radices)
            for axis, name in enumerate(group):
                if name in wanted:
                    others = tuple(other for other in range(len(group)) if other != axis)
                    counted[name] = counts.sum(axis=others)
        return counted

    def warm(self) -> None:
        """Build now what the first queries would otherwise build."""
        for sort in SORT_FIELDS:
            self.rank(sort)
        self.by_site()
        self.build_text_index()
        for group in JOINT:
            if len(group) > 1:
                codes, radices = self._joint(group)
                self._totals("+".join(group), codes, int(np.prod(radices)))
            for name in group:
                self._totals(name, self.column(name), len(self.values[name]))

    def page(
        self, sort: str, full: np.ndarray, count: int, start: int, stop: int, *, selected: np.ndarray | None = None
    ) -> np.ndarray:
        """Positions of the matching rows ``start:stop`` in ``sort`` order. Few matches: rank just
        them (O(matches)); many: walk the sort order until the page is full (O(rows read)), instead
        of gathering the whole mask through the permutation (a random read of every row)."""
        if start >= count:
            return np.zeros(0, dtype=np.int64)
        if count * 16 <= self.size:
            if selected is None:
                selected = np.flatnonzero(full)
            ranks = self.rank(sort)[selected]
            part = np.argpartition(ranks, stop - 1)[:stop] if stop < len(ranks) else np.arange(len(ranks))
            return selected[part[np.argsort(ranks[part])]][start:stop]
        perm = self.order(sort)
        chunk = max(4096, int(stop * self.size / count * 2))
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

    def latency_page(self, full: np.ndarray, count: int, lines, start: int, stop: int) -> np.ndarray:
        """Rows by the rank of their site's best line (no line last), then id: the sites with a line
        are visited in rank order until the page is full, then the rest in id order."""
        if start >= count:
            return np.zeros(0, dtype=np.int64)
        rows, starts = self.by_site()
        vocab = self.vocab["site"]
        found: list[np.ndarray] = []
        have = 0
        lined = np.zeros(len(self.values["site"]), dtype=np.bool_)
        for choice in sorted(lines.values(), key=lambda choice: choice.rank):
            code = vocab.get(choice.site_id)
            if code is None:
                continue
            lined[code] = True
            if have < stop:
                at_site = rows[starts[code] : starts[code + 1]]
                at_site = at_site[full[at_site]]
                found.append(at_site)
                have += len(at_site)
        if have < stop:  # the rows without a line, in id order
            rest = full & ~lined[self.column("site")]
            by_id = self.id_order()
            selected = np.flatnonzero(rest) if by_id is None else by_id[rest[by_id]]
            found.append(selected[: stop - have])
        return np.concatenate(found)[start:stop]

    def id_order(self) -> np.ndarray | None:
        """Positions in id order; None when the positions are in id order already (the usual case:
        rows are loaded by id and new ids are higher)."""
        if self._position is None:
            return None
        if self._id_order is None:
            self._id_order = np.argsort(self.column("id"), kind="stable")
        return self._id_order


class _Order:
    """Rows sorted by (key, id), NaN keys last: the permutation, and its inverse (made when first
    asked for). After a change of a few rows it is patched (``pending`` rows taken out and put back
    at their new places, a few linear passes) instead of sorted again (a lexsort of a million rows
    costs some 200 ms)."""

    def __init__(self, key: np.ndarray, ids: np.ndarray):
        self.perm = np.lexsort((ids, key))
        self.pending: set[int] = set()
        self._rank: np.ndarray | None = None

    def rank(self) -> np.ndarray:
        if self._rank is None:
            self._rank = np.empty(len(self.perm), dtype=np.int64)
            self._rank[self.perm] = np.arange(len(self.perm), dtype=np.int64)
        return self._rank

    def patch(self, key: np.ndarray, ids: np.ndarray) -> None:
        """Move the pending rows to where ``key`` (every row's current key) puts them now; rows past
        the end of the permutation are new."""
        changed = np.array(sorted(self.pending), dtype=np.int64)
        self.pending.clear()
        kept = np.ones(len(self.perm), dtype=np.bool_)
        kept[self.rank()[changed[changed < len(self.perm)]]] = False
        perm = self.perm[kept]  # the unchanged rows: their keys are still in order
        keys, sorted_ids = key[perm], ids[perm]
        new_keys, new_ids = key[changed], ids[changed]
        by = np.lexsort((new_ids, new_keys))
        changed, new_keys, new_ids = changed[by], new_keys[by], new_ids[by]
        low = np.searchsorted(keys, new_keys, side="left")
        high = np.searchsorted(keys, new_keys, side="right")
        at = [
            start + int(np.searchsorted(sorted_ids[start:stop], pk))
            for start, stop, pk in zip(low.tolist(), high.tolist(), new_ids.tolist(), strict=True)
        ]
        self.perm = np.insert(perm, at, changed)
        self._rank = None


def _part_text(value) -> str:
    return " ".join(value) if isinstance(value, tuple) else str(value)


class _TextIndex:
    """The lowercased names and identifiers of the rows, each part as one newline-joined string: a
    term (never with whitespace) is found with one substring scan per part, and each hit maps back
    to its row through the start offsets."""

    def __init__(self, parts: list[list]):
        self.size = len(parts[0]) if parts else 0
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self.parts = []
        for values in parts:
            lowered = [value.lower() if value else "" for value in values]
            starts = np.zeros(len(lowered) + 1, dtype=np.int64)
            starts[1:] = np.cumsum(np.fromiter(map(len, lowered), dtype=np.int64, count=len(lowered)) + 1)
            self.parts.append(("\n".join(lowered), starts))

    def mask(self, term: str) -> np.ndarray:
        """The rows (as built) with ``term`` in their name or identifier; kept for the next
        TERM_CACHE_SIZE terms (this text does not change, whatever the index does)."""
        mask = self._cache.get(term)
        if mask is not None:
            self._cache.move_to_end(term)
            return mask
        mask = np.zeros(self.size, dtype=np.bool_)
        if term and "\n" not in term:
            pattern = re.compile(re.escape(term))
            for joined, starts in self.parts:
                found = np.fromiter((match.start() for match in pattern.finditer(joined)), dtype=np.int64)
                if len(found):
                    mask[np.searchsorted(starts, found, side="right") - 1] = True
        self._cache[term] = mask
        if len(self._cache) > TERM_CACHE_SIZE:
            self._cache.popitem(last=False)
        return mask


class DatabaseBackend(SearchBackend):
    """Search on the in-process columnar index, loaded from and kept in step with the database."""

    name = "database"

    def __init__(self, *, freshness_interval: float = 0.0):
        # 0: read the feed before every search; >0: at most that often outside transactions
        self.freshness_interval = freshness_interval
        self._index: ColumnIndex | None = None
        self._feed: FeedReader | None = None
        self._checked_at = 0.0
        self._lock = threading.RLock()
        self._lines: dict[str, dict] = {}  # user city -> lines_from_city(), until a line changes

    # --- keeping in step -----------------------------------------------------------------------
    def rebuild(self) -> int:
        with self._lock:
            feed = FeedReader.from_now()  # before loading: what commits meanwhile is read again
            self._index = ColumnIndex.load()
            self._feed = feed
            self._checked_at = time.monotonic()
            self._lines.clear()
            return int(self._index.column("published").sum())

    def warm(self) -> None:
        """Build the index (if not yet built) and what the first queries would otherwise build."""
        with self._lock:
            self.index().warm()

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
                self._catch_up()
                self._checked_at = time.monotonic()

    def lines_changed(self) -> None:
        with self._lock:
            self._lines.clear()

    def _refresh(self, ids: set[int]) -> None:
        if not ids:
            return
        index = self._index
        found = index.read(ids=ids)
        if found:  # their sites and providers may have been renamed too
            columns = index.columns
            positions = index._positions(np.array(sorted(found), dtype=np.int64))
            index.sites.update(_places(set(columns["site_id"][positions].tolist())))
            index.providers.update(_provider_names(set(columns["provider_id"][positions].tolist())))
            index._changed(None)
        index.drop(ids - found)

    def _catch_up(self) -> None:
        """Apply what was committed since the index's feed position (by any process)."""
        while True:
            rows = self._feed.read(limit=FEED_BATCH)
            if rows is None:  # the feed no longer reaches back to the index's position
                self.rebuild()
                return
            self._apply(rows)
            if len(rows) < FEED_BATCH:
                return

    def _apply(self, rows) -> None:
        resources: set[int] = set()
        sites: set[int] = set()
        organizations: set[int] = set()
        for row in rows:
            if row.record_type == "resource":
                resources.add(row.record_id)
            elif row.record_type == "site":
                sites.add(row.record_id)
            elif row.record_type == "organization":
                organizations.add(row.record_id)
            elif row.record_type == "line":
                self._lines.clear()
        index = self._index
        if sites:  # a renamed or moved site: its name and place in every row at it
            index.sites.update(_places(sites))
            resources.update(ComputeResource.objects.filter(site_id__in=sites).values_list("pk", flat=True))
        if organizations:  # a renamed provider
            providers = list(Provider.objects.filter(organization_id__in=organizations).values_list("pk", flat=True))
            index.providers.update(_provider_names(providers))
            resources.update(ComputeResource.objects.filter(provider_id__in=providers).values_list("pk", flat=True))
        if sites or organizations:
            index._changed(None)
        self._refresh(resources)

    def index(self) -> ColumnIndex:
        with self._lock:
            if self._index is None:
                self.rebuild()
            elif (
                not self.freshness_interval
                or connection.in_atomic_block
                or time.monotonic() - self._checked_at >= self.freshness_interval
            ):
                self._catch_up()
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
        common = index.column("published")
        own: dict[str, np.ndarray] = {}
        for name in ("resource_class", "vendor", "model", "province", "cpu_architecture"):
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
        if query.available_now:
            common = common & index.column("available_now")
        if query.certified_only:
            common = common & index.column("certified")
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
            facets=build_facets(raw),
            page=query.page,
            page_size=query.page_size,
            num_pages=num_pages(count, query.page_size),
            backend=self.name,
        )
