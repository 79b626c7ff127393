"""The columns of the index: loading rows from the database, writing and dropping them, and turning
rows back into documents."""

from collections import OrderedDict

import numpy as np
from django.db import connection

from catalog.availability import taken_units
from catalog.models import ComputeResource, ListingState

from ...documents import PRICE_BANDS
from ...synced import LOCAL_SOURCE, synced_rows
from .columns import (
    BAND_LOWS,
    BOOLEANS,
    CATEGORICAL,
    FETCH,
    FETCH_CHUNK,
    FETCH_QUERY,
    FLOATS,
    HIDDEN,
    ID_BATCH,
    INT32_COLUMNS,
    INTEGERS,
    NULLABLE_INTEGERS,
    PRECISIONS,
    _certifications,
    _read_transaction,
    _two_places,
)
from .orders import _Order
from .strings import PackedStrings
from .text_index import _TextIndex


class ColumnStore:
    """Every resource (published or not: ``published`` is a column) as columns, read and written;
    ``ColumnIndex`` queries them (see the package doc)."""

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
        self.names = PackedStrings()  # (str per row)
        self.identifiers = PackedStrings()  # (str or None per row)
        self.sites: dict[int, tuple[str, str, str]] = {}
        self.providers: dict[int, str] = {}
        self.source_names: dict[str, str] = {}  # owning node prefix -> name (synced records)
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

    # --- loading -----------------------------------------------------------------------------
    def read(self, *, ids=None, chunk_size: int = FETCH_CHUNK) -> set[int]:
        """Read these resources (all when ``ids`` is None) from the database into the index, a chunk
        at a time (see ``_read_transaction``); return the ids found."""
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
        with _read_transaction():
            for queryset in batches:
                annotated = queryset.annotate(taken_units=taken_units())
                sql, params = annotated.values_list(*FETCH_QUERY).query.sql_with_params()
                with connection.chunked_cursor() as cursor:
                    cursor.execute(sql, params)
                    while rows := cursor.fetchmany(chunk_size):
                        columns = dict(zip(FETCH, zip(*rows, strict=True), strict=True))
                        del rows
                        if ids is not None:
                            found.update(columns["id"])
                        self.put(columns)
        return found

    def read_synced(self, *, ids=None) -> set[int]:
        """Read the synced resources with these SyncedRecord pks (all when None); return the row ids
        found (negative: see search/synced.py)."""
        columns, sites, providers, names = synced_rows(ids=ids)
        self.sites.update(sites)
        self.providers.update(providers)
        self.source_names.update(names)
        if columns:
            self.put(columns)
        return set(columns.get("id", ()))

    def _grow(self, capacity: int) -> None:
        def extend(array: np.ndarray | None, dtype, fill) -> np.ndarray:
            grown = np.full(capacity, fill, dtype=dtype)
            if array is not None:
                grown[: self.size] = array[: self.size]
            return grown

        for name in CATEGORICAL:
            self.columns[name] = extend(self.columns.get(name), np.int32, 0)
        for name in INTEGERS:
            dtype = np.int32 if name in INT32_COLUMNS else np.int64
            self.columns[name] = extend(self.columns.get(name), dtype, -1 if name in NULLABLE_INTEGERS else 0)
        for name in FLOATS:
            self.columns[name] = extend(self.columns.get(name), np.float64, np.nan)
        for name in BOOLEANS:
            self.columns[name] = extend(self.columns.get(name), np.bool_, False)
        self.names.reserve(capacity)
        self.identifiers.reserve(capacity)
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
        codes = [by_raw.get(raw, -1) if isinstance(raw, str | tuple) else -1 for raw in raws]
        if -1 in codes:
            for at, raw in enumerate(raws):
                if codes[at] == -1:
                    code = by_raw.get(raw) if isinstance(raw, str | tuple) else None
                    if code is None:
                        code = int(self._codes("certifications", [_certifications(raw)])[0])
                        if isinstance(raw, str | tuple):  # (a stored text, or a row taken back: patches.py)
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
        self.names.put(positions, rows["name"])
        self.identifiers.put(positions, rows["identifier__code"])
        if not appended and self._text is not None:
            self._text_dirty.update(position for position in positions.tolist() if position < self._text.size)
        # dictionary-encoded columns
        for name, fetched in CATEGORICAL.items():
            if fetched is not None:
                columns[name][positions] = self._codes(name, rows[fetched])
        columns["certifications"][positions] = self._certification_column(rows["certifications"])
        sources = rows.get("source")
        columns["source"][positions] = self._codes("source", sources if sources else [LOCAL_SOURCE])
        # numbers
        per_node = np.fromiter(rows["accelerators_per_node"], dtype=np.int64, count=count)
        nodes = np.fromiter(rows["node_count"], dtype=np.int64, count=count)
        reported = np.fromiter(rows["available_units"], dtype=np.int64, count=count)
        taken = np.array(rows.get("taken_units") or (0,) * count, dtype=np.int64)  # (synced records: none)
        units = np.maximum(reported - taken, 0)  # free units, as catalog.availability.free_units
        columns["site_id"][positions] = rows["site_id"]
        columns["provider_id"][positions] = rows["provider_id"]
        columns["accelerators_per_node"][positions] = per_node
        columns["node_count"][positions] = nodes
        columns["total_cards"][positions] = per_node * nodes
        columns["reported_units"][positions] = reported
        columns["taken_units"][positions] = taken
        columns["available_units"][positions] = units
        for name in NULLABLE_INTEGERS:
            values = np.array(rows[name], dtype=np.float64)
            columns[name][positions] = np.where(np.isnan(values), -1, values).astype(np.int64)
        columns["memory"][positions] = np.array(rows["accelerator_memory_gb"], dtype=np.float64)
        reliability = rows.get("reliability")  # (synced records have none: unknown)
        columns["reliability"][positions] = np.array(reliability, dtype=np.float64) if reliability else np.nan
        columns["price"][positions] = np.array(rows["price_yuan"], dtype=np.float64)
        for precision in PRECISIONS:
            columns[precision][positions] = np.array(rows[f"{precision}_tflops_per_card"], dtype=np.float64)
        self._derive_prices(positions)
        # flags
        certified = np.array([bool(value) for value in self.values["certifications"]], dtype=np.bool_)
        columns["certified"][positions] = certified[columns["certifications"][positions]]
        online = self.vocab["state"].get("online", -1)
        columns["available_now"][positions] = (columns["state"][positions] == online) & (units > 0)
        published = rows.get("published")  # (given by a patch: the rows' own, see patches.py)
        if published is None:
            approved = str(ListingState.APPROVED)
            published = [
                listing == approved and state not in HIDDEN
                for listing, state in zip(rows["listing_state"], rows["identifier__state"], strict=True)
            ]
        columns["published"][positions] = np.array(published, dtype=np.bool_)
        self._changed(positions)

    def _derive_prices(self, positions: np.ndarray) -> None:
        """These rows' price band and price-performance, from their stored price, TFLOPS, billing
        unit and cards per node."""
        columns = self.columns
        price = columns["price"][positions]
        bands = np.clip(np.searchsorted(BAND_LOWS, price, side="right") - 1, 0, len(PRICE_BANDS) - 1)
        band_codes = self._codes("price_band", [key for key, _low, _high in PRICE_BANDS])
        columns["price_band"][positions] = band_codes[bands]
        billing, per_node = columns["billing_unit"][positions], columns["accelerators_per_node"][positions]
        card_hour = billing == self.vocab["billing_unit"].get("card_hour", -1)
        node_hour = billing == self.vocab["billing_unit"].get("node_hour", -1)
        cards = np.where(card_hour, 1, np.where(node_hour, per_node, 0)).astype(np.float64)
        for precision in PRECISIONS:
            tflops = columns[precision][positions]
            # as search.documents._price_performance: Python's round() of the same float expression
            ppf = np.full(len(positions), np.nan)
            valid = (cards > 0) & (tflops == tflops) & (tflops != 0)
            if valid.any():
                raw = price[valid] * 1000.0 / (tflops[valid] * cards[valid])
                ppf[valid] = [round(value, 4) for value in raw.tolist()]
            columns[f"ppf_{precision}"][positions] = ppf

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
            for order in self._orders.values():
                order.pending.update(positions.tolist())
            # many rows changed (at once, or over the chunks of one read): sorting again is cheaper
            if len(positions) * 20 > self.size or any(len(o.pending) * 20 > self.size for o in self._orders.values()):
                self._orders.clear()
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
                "reliability": None
                if taken["reliability"][at] != taken["reliability"][at]
                else taken["reliability"][at],
                "state": code("state"),
                "certifications": certifications,
                "source": code("source"),
                "source_name": self.source_names.get(code("source"), ""),
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
