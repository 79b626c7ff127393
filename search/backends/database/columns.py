"""What the columnar index reads and how it holds it: the fetched resource columns, the column kinds,
and the small tables (sites, providers) read beside them."""

import contextlib
import json

import numpy as np
from django.db import connection, transaction

from catalog.models import Provider, Site

from ...documents import HIDDEN_IDENTIFIER_STATES, PRICE_BANDS
from ..base import FACETS

# The resource columns the index reads (sites and providers are read from their own tables).
FETCH = (
    "id", "name", "description", "provider_id", "site_id", "province_code", "city_code", "resource_class",
    "accelerator_vendor", "accelerator_model", "accelerators_per_node", "node_count", "cpu_architecture",
    "vcpus_per_node", "memory_gb_per_node", "accelerator_memory_gb", "fp16_tflops_per_card",
    "fp32_tflops_per_card", "fp64_tflops_per_card", "billing_unit", "price_yuan", "available_units", "state",
    "certifications", "listing_state", "identifier__code", "identifier__state", "reliability", "taken_units",
)  # fmt: skip
# "available_units" is read as the provider reports it and kept beside what the market has taken of it
# ("taken_units": held + allocated, catalog.availability), each in its own column; the index's
# "available_units" column is what users can still get, reported − taken (never below zero), so a
# status change's patch of the reported units gives the free units without a query (patches.py).
# "reliability" is the figure monitoring stores beside the resource (monitoring.ResourceReliability).
QUERIED_AS = {"reliability": "reliability__score_percent"}
FETCH_QUERY = tuple(QUERIED_AS.get(name, name) for name in FETCH)
# Rows fetched (as Python tuples) and turned into columns at a time while loading: the tuples are the
# build's temporaries (~1.5 kB a row), so a small chunk keeps the build peak near what the index
# keeps (at 20,000 rows: 33.8 MB peak with 50,000-row chunks, 13.0 MB with 2,000; same build time).
FETCH_CHUNK = 2_000
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
    "source": None,  # the owning node's prefix of a synced record (search/synced.py), else LOCAL_SOURCE
}
# int64 columns; -1 stands for NULL in the nullable ones (all are non-negative in the catalogue).
# "available_units": free units (reported_units − taken_units, at least 0), what documents show.
INTEGERS = (
    "id", "site_id", "provider_id", "accelerators_per_node", "node_count", "total_cards", "available_units",
    "vcpus_per_node", "memory_gb_per_node", "accelerator_memory_gb", "reported_units", "taken_units",
)  # fmt: skip
NULLABLE_INTEGERS = ("vcpus_per_node", "memory_gb_per_node", "accelerator_memory_gb")
# the int64 columns held as int32 (model PositiveIntegerFields: Django keeps them below 2**31)
INT32_COLUMNS = ("accelerators_per_node", "node_count", "available_units", "reported_units", *NULLABLE_INTEGERS)
# float64 columns; NaN is NULL ("memory" is accelerator_memory_gb for the filter)
FLOATS = ("fp16", "fp32", "fp64", "memory", "price", "ppf_fp16", "ppf_fp32", "ppf_fp64", "reliability")
BOOLEANS = ("published", "certified", "available_now", "exists")
PRECISIONS = ("fp16", "fp32", "fp64")
# Document fields searched as text, each either per row or through a dictionary-encoded column.
TEXT_ROW_PARTS = ("names", "identifiers")
TEXT_CODED_PARTS = ("description", "vendor", "model", "cpu_architecture", "certifications")
# Facet columns counted together (one bincount of a joint code when a query counts more than one
# of a group over the same rows): few values each, so the joint codes stay small.
JOINT = (("resource_class", "cpu_architecture", "state", "price_band"), ("vendor", "model"), ("province", "source"))
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


def _read_transaction():
    """Where the index reads rows. PostgreSQL: a transaction, so that the server-side cursor streams
    and every statement sees one snapshot. SQLite: none of its own. A transaction there begins
    IMMEDIATE (settings: writers queue on the lock), i.e. it takes the write lock: a search would wait
    for a writer's whole transaction (an import holds it for seconds) and writers would queue behind
    the search. In WAL mode each SELECT reads one committed state without any lock; statements need
    not agree with each other, because whatever commits after the feed position the index noted
    before reading is in the feed and read again."""
    if connection.vendor == "sqlite":
        return contextlib.nullcontext()
    return transaction.atomic()
