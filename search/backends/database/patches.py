"""Applying the change feed's patches to the index's rows without reading the records again.

A bulk import of existing records, and a provider's status change (``record_update_status``: units,
price, state), append per changed record the new stored values of its changed fields
(``changes.models.Change.patch``). The index holds every resource's row, so a patch over that
row is the record's current state as far as the index reads it: the row is taken back out of the
columns in the shape the database read gives (``FETCH``), the patch laid over it, and the result
written as a read would write it (``ColumnStore.put``: derived columns, sort orders and text
follow). Fields whose indexed value does not come from the record's own columns alone (the site
brings its place, the identifier and listing decide publication) make the index read that record
instead (``REREAD``).

Free units are reported − held − allocated: the index keeps the reported units and what the market
has taken (held + allocated, read with the record) in columns of their own, so a patch of the
reported units gives the free units without a query. Holds and orders change what is taken: their
feed rows (``orders.services``, kind "capacity") carry no patch, so the index reads those records
again, taken units included; a patch of the same record in the same read gives way to that read.

Patches of numbers only (``NUMBERS``: prices, reported units, TFLOPS, counts and sizes, what a
status push or a price or capacity import changes) skip the round trip through the row: their
values go straight into their columns, the columns derived from them follow, and only what depends
on those columns is forgotten (the sort orders by them; not the text, the site grouping or the term
masks). ``patch_numbers``.
"""

import numpy as np

from ..base import SORT_FIELDS
from .columns import CATEGORICAL, FETCH, NULLABLE_INTEGERS

# Patched fields that make the index read the record again instead. Of a resource's live fields
# (catalog.services.records.LIVE_FIELDS) none is here: "available_units" is the reported figure (free
# units follow from the stored taken units), "price_yuan" a number, "state" a column of its own
# (``available_now`` is derived from it in ``put``).
REREAD = frozenset(
    {
        "site",  # the site brings its name and place (text, place facets)
        "site_id",
        "provider",  # the provider brings its name (text)
        "provider_id",
        "province_code",  # set from the site (ComputeResource.sync_location)
        "city_code",
        "listing_state",  # with the identifier's state, decides publication
        "identifier",
        "identifier__code",
        "identifier__state",
        "reliability",  # monitoring's figure, not a column of the resource
    }
)
# FETCH name -> float column holding it (NaN: NULL)
FLOAT_COLUMNS = {
    "fp16_tflops_per_card": "fp16",
    "fp32_tflops_per_card": "fp32",
    "fp64_tflops_per_card": "fp64",
    "price_yuan": "price",
    "reliability": "reliability",
}
INTEGER_COLUMNS = (
    "accelerators_per_node", "node_count", "available_units", "vcpus_per_node", "memory_gb_per_node",
    "accelerator_memory_gb", "taken_units",
)  # fmt: skip
# FETCH name -> the integer column holding it, where they differ (the "available_units" column holds
# the free units, derived from these two)
STORED_AS = {"available_units": "reported_units"}
INDEXED = frozenset(FETCH)
# Patched fields written straight into their columns: FETCH name -> the columns it is stored in
NUMBERS = {
    **{fetched: (name,) for fetched, name in FLOAT_COLUMNS.items() if name != "reliability"},
    "accelerators_per_node": ("accelerators_per_node",),
    "node_count": ("node_count",),
    "vcpus_per_node": ("vcpus_per_node",),
    "memory_gb_per_node": ("memory_gb_per_node",),
    "accelerator_memory_gb": ("accelerator_memory_gb", "memory"),
    "available_units": ("reported_units",),  # the free units follow (``_write_numbers``)
}
PRICED_BY = frozenset({*FLOAT_COLUMNS, "accelerators_per_node"}) - {"reliability"}
PRICE_DERIVED = ("price_band", "ppf_fp16", "ppf_fp32", "ppf_fp64")


def patchable(patch: dict) -> bool:
    """Whether the index can apply this patch over its row (else it reads the record)."""
    return REREAD.isdisjoint(patch)


def _current(store, positions: np.ndarray) -> dict[str, list]:
    """These rows as the database read gives them (FETCH names -> lists), from the columns; with
    their ``published`` flag instead of the listing and identifier states it is derived from."""
    columns, values = store.columns, store.values
    at = positions.tolist()
    rows: dict[str, list] = {
        "id": columns["id"][positions].tolist(),
        "name": [store.names[position] for position in at],
        "identifier__code": [store.identifiers[position] for position in at],
        "published": columns["published"][positions].tolist(),
    }
    for name, fetched in (*CATEGORICAL.items(), ("certifications", "certifications"), ("source", "source")):
        if fetched is not None:
            known = values[name]
            rows[fetched] = [known[code] for code in columns[name][positions].tolist()]
    for name in INTEGER_COLUMNS:
        numbers = columns[STORED_AS.get(name, name)][positions].tolist()
        rows[name] = [None if n < 0 else n for n in numbers] if name in NULLABLE_INTEGERS else numbers
    for fetched, name in FLOAT_COLUMNS.items():
        rows[fetched] = columns[name][positions].tolist()
    return rows


def _value(name: str, value):
    """A patch's JSON value as the database read gives it (Decimals arrive as text)."""
    if value is None:
        return None
    if name in FLOAT_COLUMNS:
        return float(value)
    if name in INTEGER_COLUMNS:
        return int(value)
    return value


def patch_rows(store, patches: dict[int, dict]) -> set[int]:
    """Lay each record's patch (id -> {field: value}, already merged in sequence order) over its
    row. Returns the ids the index holds no row of (to be read instead)."""
    ids = np.array(sorted(patches), dtype=np.int64)
    positions = store._positions(ids)
    held = positions >= 0
    held[held] = store.columns["exists"][positions[held]]
    missing = set(ids[~held].tolist())
    ids, positions = ids[held], positions[held]
    if not len(ids):
        return missing
    rows = _current(store, positions)
    for at, pk in enumerate(ids.tolist()):
        for name, value in patches[pk].items():
            if name in INDEXED:
                rows[name][at] = _value(name, value)
    store.put(rows)
    return missing


def patch_numbers(store, patches: dict[int, dict]) -> tuple[dict[int, dict], set[int]]:
    """Write the patches that change numbers only (``NUMBERS``) straight into their columns, one
    group of records with the same changed fields at a time. Returns the other patches (for
    ``patch_rows``) and the ids of patched records the index holds no row of (to be read)."""
    groups: dict[tuple[str, ...], list[int]] = {}
    others: dict[int, dict] = {}
    for pk, patch in patches.items():
        names = tuple(sorted(name for name in patch if name in INDEXED))
        if all(name in NUMBERS for name in names):
            groups.setdefault(names, []).append(pk)
        else:
            others[pk] = patch
    missing: set[int] = set()
    for names, pks in groups.items():
        ids = np.array(sorted(pks), dtype=np.int64)
        positions = store._positions(ids)
        held = positions >= 0
        held[held] = store.columns["exists"][positions[held]]
        missing.update(ids[~held].tolist())
        ids, positions = ids[held], positions[held]
        if not len(ids) or not names:
            continue
        _write_numbers(store, positions, names, [patches[pk] for pk in ids.tolist()])
    return others, missing


def _write_numbers(store, positions: np.ndarray, names: tuple[str, ...], patches: list[dict]) -> None:
    columns = store.columns
    changed: set[str] = set()
    for name in names:
        values = np.array([_value(name, patch[name]) for patch in patches], dtype=np.float64)  # None: NaN
        for column in NUMBERS[name]:
            if columns[column].dtype.kind == "f":
                columns[column][positions] = values
            else:  # (NULL only in the nullable integers: -1)
                columns[column][positions] = np.where(np.isnan(values), -1, values).astype(np.int64)
            changed.add(column)
    if "reported_units" in changed:  # free units, as ColumnStore.put derives them
        free = np.maximum(columns["reported_units"][positions] - columns["taken_units"][positions], 0)
        columns["available_units"][positions] = free
        online = store.vocab["state"].get("online", -1)
        columns["available_now"][positions] = (columns["state"][positions] == online) & (free > 0)
        changed.update(("available_units", "available_now"))
    if changed & {"accelerators_per_node", "node_count"}:
        per_node, nodes = columns["accelerators_per_node"][positions], columns["node_count"][positions]
        columns["total_cards"][positions] = per_node * nodes
        changed.add("total_cards")
    if PRICED_BY.intersection(names):
        store._derive_prices(positions)
        changed.update(PRICE_DERIVED)
    _columns_changed(store, positions, changed)


def _columns_changed(store, positions: np.ndarray, changed: set[str]) -> None:
    """As ``ColumnStore._changed`` for a change of these number columns only: the sort orders by
    them are patched on their next use (dropped when many rows changed), the facet codes and totals
    made again; the text, the site grouping, the id order and the term masks stay."""
    store.version += 1
    for sort, order in list(store._orders.items()):
        if sort != "site" and SORT_FIELDS[sort][0] in changed:
            order.pending.update(positions.tolist())
            if len(order.pending) * 20 > store.size:
                del store._orders[sort]
    store._joints = {key: joint for key, joint in store._joints.items() if changed.isdisjoint(key)}
    store._totals_cache.clear()
