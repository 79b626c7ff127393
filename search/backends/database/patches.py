"""Applying the change feed's patches to the index's rows without reading the records again.

A bulk import of existing records appends, per changed record, the new stored values of its changed
fields (``changes.models.Change.patch``). The index holds every resource's row, so a patch over that
row is the record's current state as far as the index reads it: the row is taken back out of the
columns in the shape the database read gives (``FETCH``), the patch laid over it, and the result
written as a read would write it (``ColumnStore.put``: derived columns, sort orders and text
follow). Fields whose indexed value does not come from the record's own columns alone (free units
subtract holds, the site brings its place, the identifier and listing decide publication) make the
index read that record instead (``REREAD``).
"""

import numpy as np

from .columns import CATEGORICAL, FETCH, NULLABLE_INTEGERS

# Patched fields that make the index read the record again instead.
REREAD = frozenset(
    {
        "site",
        "site_id",
        "provider",
        "provider_id",
        "province_code",
        "city_code",
        "available_units",  # indexed as free units: reported − held − allocated
        "listing_state",
        "identifier",
        "identifier__code",
        "identifier__state",
        "reliability",
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
    "accelerator_memory_gb",
)  # fmt: skip
INDEXED = frozenset(FETCH)


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
        numbers = columns[name][positions].tolist()
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
