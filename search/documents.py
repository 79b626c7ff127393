"""What the selection index holds for a compute resource: one flat document per published resource.

``resource_rows`` is the one ``values()`` query both backends index from (no model instances);
``resource_document`` turns a row into the flat document. The database backend keeps these documents
in its columnar in-process index; the Elasticsearch backend stores them as ``ComputeResourceDocument``.
Both build the API's result dicts from a document (search/backends/base.py), so a hit looks the same
whichever backend found it.
"""

from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from elasticsearch_dsl import Boolean, Document, Double, Integer, Keyword, Long, Text

from catalog.availability import free_units
from catalog.models import ComputeResource, ListingState
from catalog.snapshots import HIDDEN_IDENTIFIER_STATES

# Price bands (yuan per billing unit): key, lower bound (inclusive), upper bound (exclusive).
PRICE_BANDS: tuple[tuple[str, float, float | None], ...] = (
    ("0-5", 0.0, 5.0),
    ("5-10", 5.0, 10.0),
    ("10-20", 10.0, 20.0),
    ("20-50", 20.0, 50.0),
    ("50-", 50.0, None),
)

ROW_FIELDS = (
    "id",
    "name",
    "description",
    "provider_id",
    "provider__organization__name",
    "site_id",
    "site__name",
    "province_code",
    "site__province__name_zh",
    "city_code",
    "site__city__name_zh",
    "resource_class",
    "accelerator_vendor",
    "accelerator_model",
    "accelerators_per_node",
    "node_count",
    "cpu_architecture",
    "vcpus_per_node",
    "memory_gb_per_node",
    "accelerator_memory_gb",
    "fp16_tflops_per_card",
    "fp32_tflops_per_card",
    "fp64_tflops_per_card",
    "billing_unit",
    "price_yuan",
    "available_units",
    "state",
    "certifications",
    "listing_state",
    "identifier__code",
    "identifier__state",
    "reliability__score_percent",
)


def published_q(prefix: str = "") -> Q:
    """Approved for the catalogue, and its identifier (if any) neither suspended nor revoked."""
    return Q(**{f"{prefix}listing_state": ListingState.APPROVED}) & (
        Q(**{f"{prefix}identifier__isnull": True}) | ~Q(**{f"{prefix}identifier__state__in": HIDDEN_IDENTIFIER_STATES})
    )


def resource_rows(*, ids=None, published_only: bool = False):
    """The rows (dicts) the index is built from: one query, no model instances."""
    queryset = ComputeResource.objects.all()
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    if published_only:
        queryset = queryset.filter(published_q())
    # "available_units" is what users can still get: reported − held − allocated (catalog.availability)
    fields = tuple("free_units" if name == "available_units" else name for name in ROW_FIELDS)
    rows = queryset.order_by().annotate(free_units=free_units()).values(*fields).iterator(chunk_size=5000)
    for row in rows:
        row["available_units"] = row.pop("free_units")
        yield row


def price_band(price: float) -> str:
    for key, low, high in PRICE_BANDS:
        if price >= low and (high is None or price < high):
            return key
    return PRICE_BANDS[0][0]


def _decimal(value) -> str | None:
    return None if value is None else format(Decimal(value), ".2f")


def _price_performance(*, price: float, tflops, billing_unit: str, per_node: int) -> float | None:
    """Yuan per PFLOPS-hour: price per card-hour (or node-hour) over the card's (node's) PFLOPS."""
    if tflops is None or not float(tflops):
        return None
    if billing_unit == "card_hour":
        cards = 1
    elif billing_unit == "node_hour" and per_node:
        cards = per_node
    else:  # per vCPU-hour: accelerator throughput per unit is unknown
        return None
    return round(price * 1000.0 / (float(tflops) * cards), 4)


def resource_document(row: dict) -> dict:
    """The flat document of one resource row (see ROW_FIELDS)."""
    price = float(row["price_yuan"])
    per_node = row["accelerators_per_node"] or 0
    identifier_state = row["identifier__state"]
    published = row["listing_state"] == ListingState.APPROVED and identifier_state not in HIDDEN_IDENTIFIER_STATES
    document = {
        "id": row["id"],
        "identifier": row["identifier__code"],
        "published": published,
        "name": row["name"],
        "provider_id": row["provider_id"],
        "provider_name": row["provider__organization__name"],
        "site_id": row["site_id"],
        "site_name": row["site__name"],
        "province": row["province_code"],
        "province_name": row["site__province__name_zh"] or "",
        "city": row["city_code"],
        "city_name": row["site__city__name_zh"] or "",
        "resource_class": row["resource_class"],
        "vendor": row["accelerator_vendor"] or None,
        "model": row["accelerator_model"] or None,
        "accelerators_per_node": per_node,
        "node_count": row["node_count"],
        "total_cards": per_node * row["node_count"],
        "cpu_architecture": row["cpu_architecture"],
        "vcpus_per_node": row["vcpus_per_node"],
        "memory_gb_per_node": row["memory_gb_per_node"],
        "accelerator_memory_gb": row["accelerator_memory_gb"],
        "fp16_tflops_per_card": _decimal(row["fp16_tflops_per_card"]),
        "fp32_tflops_per_card": _decimal(row["fp32_tflops_per_card"]),
        "fp64_tflops_per_card": _decimal(row["fp64_tflops_per_card"]),
        "billing_unit": row["billing_unit"],
        "price_yuan": _decimal(row["price_yuan"]),
        "price": price,
        "price_band": price_band(price),
        "available_units": row["available_units"],
        "reliability": None
        if row.get("reliability__score_percent") is None
        else float(row["reliability__score_percent"]),
        "state": row["state"],
        "certifications": [str(item) for item in (row["certifications"] or [])],
        "source": "local",  # this node's own resource (synced records: search/synced.py, database backend)
        "source_name": "",
    }
    document["certified"] = bool(document["certifications"])
    document["available_now"] = row["state"] == "online" and row["available_units"] > 0
    for precision in ("fp16", "fp32", "fp64"):
        document[f"ppf_{precision}"] = _price_performance(
            price=price, tflops=row[f"{precision}_tflops_per_card"], billing_unit=row["billing_unit"], per_node=per_node
        )
    document["text"] = " ".join(
        str(part)
        for part in (
            document["name"],
            row["description"],
            document["identifier"],
            document["provider_name"],
            document["site_name"],
            document["province_name"],
            document["city_name"],
            document["vendor"],
            document["model"],
            document["cpu_architecture"],
            " ".join(document["certifications"]),
        )
        if part
    )
    return document


# --- Elasticsearch ---------------------------------------------------------------------------------


def resource_alias() -> str:
    """The alias searches and live indexing use; a full reindex points it at a new versioned index."""
    return f"{settings.SEARCH_INDEX_PREFIX}-compute-resources"


INDEX_SETTINGS = {"number_of_shards": 1, "number_of_replicas": 0}


class ComputeResourceDocument(Document):
    """One published compute resource in Elasticsearch (keyword fields for facets, cjk for text)."""

    id = Long()
    identifier = Keyword()
    published = Boolean()
    name = Text(analyzer="cjk", fields={"raw": Keyword()})
    provider_id = Long()
    provider_name = Keyword()
    site_id = Long()
    site_name = Keyword()
    province = Keyword()
    province_name = Keyword()
    city = Keyword()
    city_name = Keyword()
    resource_class = Keyword()
    vendor = Keyword()
    model = Keyword()
    accelerators_per_node = Integer()
    node_count = Integer()
    total_cards = Integer()
    cpu_architecture = Keyword()
    vcpus_per_node = Integer()
    memory_gb_per_node = Integer()
    accelerator_memory_gb = Integer()
    fp16_tflops_per_card = Keyword(index=False)  # display strings; filters use the numeric copies
    fp32_tflops_per_card = Keyword(index=False)
    fp64_tflops_per_card = Keyword(index=False)
    fp16 = Double()
    fp32 = Double()
    fp64 = Double()
    billing_unit = Keyword()
    price_yuan = Keyword(index=False)
    price = Double()
    price_band = Keyword()
    available_units = Long()
    reliability = Double()  # percent (monitoring.ResourceReliability); absent: unknown
    state = Keyword()
    certifications = Keyword()
    source = Keyword()
    source_name = Keyword(index=False)
    certified = Boolean()
    available_now = Boolean()
    ppf_fp16 = Double()
    ppf_fp32 = Double()
    ppf_fp64 = Double()
    text = Text(analyzer="cjk")

    class Index:
        name = "compute-resources"  # replaced by resource_alias() at run time (settings are read late)
        settings = INDEX_SETTINGS

    @classmethod
    def from_document(cls, document: dict) -> "ComputeResourceDocument":
        body = dict(document)
        for precision in ("fp16", "fp32", "fp64"):
            value = body[f"{precision}_tflops_per_card"]
            body[precision] = float(value) if value is not None else None
        return cls(meta={"id": document["id"]}, **body)
