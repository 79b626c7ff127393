"""What every backend shares: the result type, facet layout, hit dicts, and the lines from a city.

A backend finds ids in order, a count and raw facet counts; everything the caller sees (result dicts,
labels, facet order, best lines) is assembled here, once, so both backends answer identically.
"""

import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from catalog.models import (
    BillingUnit,
    CpuArchitecture,
    ListingState,
    NetworkLine,
    NetworkLineKind,
    RecordState,
    ResourceClass,
)
from catalog.offers import live_resource_ids
from organizations.models import Division

from ..documents import HIDDEN_IDENTIFIER_STATES, PRICE_BANDS
from ..query import ComputeQuery
from ..synced import source_label

# facet name -> (document field, the query field that filters on it: excluded from its own counts)
FACETS: dict[str, tuple[str, str | None]] = {
    "resource_class": ("resource_class", "resource_class"),
    "vendor": ("vendor", "vendor"),
    "model": ("model", "model"),
    "province": ("province", "province"),
    "cpu_architecture": ("cpu_architecture", "cpu_architecture"),
    "state": ("state", None),
    "price_band": ("price_band", "price_band"),
    "source": ("source", "source"),  # 来源节点: this node ("local") or the prefix of the node a record came from
}
FACET_SIZE = 50  # at most this many values per facet (by count, then value)

# sort -> (document field, descending?) ; "latency" is by line rank; the tie-breaker is always id asc
SORT_FIELDS: dict[str, tuple[str, bool]] = {
    "price": ("price", False),
    "-price": ("price", True),
    "price_performance_fp16": ("ppf_fp16", False),
    "price_performance_fp32": ("ppf_fp32", False),
    "price_performance_fp64": ("ppf_fp64", False),
    "available": ("available_units", True),
    "reliability": ("reliability", True),
}


@dataclass
class SearchResult:
    count: int
    results: list[dict]
    facets: dict[str, list[dict]]
    page: int
    page_size: int
    num_pages: int
    backend: str = field(default="", repr=False)


_LABELS: dict[tuple, str] = {}


def _choice_label(choices, value, language: str | None = None) -> str:
    """A choice's label in the active language (cached: gettext per hit would dominate a search)."""
    key = (language or get_language(), choices, value)
    label = _LABELS.get(key)
    if label is None:
        try:
            label = str(choices(value).label)
        except ValueError:
            label = str(value)
        _LABELS[key] = label
    return label


def _division_names() -> dict[str, str]:
    global _DIVISIONS
    if _DIVISIONS is None:
        _DIVISIONS = dict(Division.objects.values_list("code", "name_zh"))
    return _DIVISIONS


_DIVISIONS: dict[str, str] | None = None


def price_band_label(key: str) -> str:
    low, _sep, high = key.partition("-")
    if not high:
        return _("%(low)s 元及以上") % {"low": low}
    return _("%(low)s–%(high)s 元") % {"low": low, "high": high}


def facet_label(name: str, value: str) -> str:
    if name == "resource_class":
        return _choice_label(ResourceClass, value)
    if name == "cpu_architecture":
        return _choice_label(CpuArchitecture, value)
    if name == "state":
        return _choice_label(RecordState, value)
    if name == "province":
        return _division_names().get(value, value)
    if name == "price_band":
        return price_band_label(value)
    return value


_FACET_LABELS: dict[tuple[str | None, str, str], str] = {}


def build_facets(raw: dict[str, dict[str, int]], source_names: dict[str, str] | None = None) -> dict[str, list[dict]]:
    """Raw counts per facet -> ordered lists: by count desc then value; price bands in band order.
    Labels are cached per language (a gettext per value would cost more than counting), except the
    来源节点 ones (``source_names``: node prefix -> name, of the records synced here)."""
    language = get_language()
    facets: dict[str, list[dict]] = {}
    for name in FACETS:
        counts = raw.get(name, {})
        if name == "price_band":
            items = [(key, counts.get(key, 0)) for key, _low, _high in PRICE_BANDS]
        else:
            items = sorted(((value, n) for value, n in counts.items() if n and value), key=lambda i: (-i[1], i[0]))
            items = items[:FACET_SIZE]
        listed = []
        for value, n in items:
            key = (language, name, value)
            if name == "source":
                listed.append({"value": value, "label": source_label(value, source_names or {}), "count": n})
                continue
            label = _FACET_LABELS.get(key)
            if label is None:
                label = _FACET_LABELS[key] = facet_label(name, value)
            listed.append({"value": value, "label": label, "count": n})
        facets[name] = listed
    return facets


def num_pages(count: int, page_size: int) -> int:
    return max(1, math.ceil(count / page_size))


# --- lines -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineChoice:
    """The best dedicated line from the user's city to one site, and the site's rank among all sites."""

    site_id: int
    rank: int
    line: dict


def lines_from_city(city: str) -> dict[int, LineChoice]:
    """For each site reachable from ``city``: its best published, online line (lowest latency, then
    highest bandwidth, then lowest monthly price, then id), and the site's rank by that order.
    One small query on the line table (indexed by from_city)."""
    if not city:
        return {}
    rows = (
        NetworkLine.objects.filter(from_city_id=city, listing_state=ListingState.APPROVED, state=RecordState.ONLINE)
        .filter(Q(identifier__isnull=True) | ~Q(identifier__state__in=HIDDEN_IDENTIFIER_STATES))
        .order_by()
        .values_list(
            "id", "to_site_id", "latency_ms", "bandwidth_mbps", "price_yuan_per_month", "kind", "identifier__code"
        )
    )

    def key(row):
        latency = row[2]
        return (latency is None, latency if latency is not None else Decimal(0), -row[3], row[4], row[0])

    best: dict[int, tuple] = {}
    for row in rows:
        current = best.get(row[1])
        if current is None or key(row) < key(current):
            best[row[1]] = row
    ordered = sorted(best.values(), key=lambda row: (*key(row)[:3], row[1]))
    language = get_language()
    return {
        row[1]: LineChoice(
            site_id=row[1],
            rank=rank,
            line={
                "identifier": row[6],
                "latency_ms": None if row[2] is None else format(row[2], ".2f"),
                "bandwidth_mbps": row[3],
                "price_yuan_per_month": format(row[4], ".2f"),
                "kind": row[5],
                "kind_label": _choice_label(NetworkLineKind, row[5], language),
            },
        )
        for rank, row in enumerate(ordered)
    }


def line_allowed_sites(query: ComputeQuery, lines: dict[int, LineChoice]) -> set[int] | None:
    """Sites whose best line passes the latency / bandwidth filters (None: no such filter)."""
    if not query.line_filtered:
        return None
    allowed = set()
    for site_id, choice in lines.items():
        latency = choice.line["latency_ms"]
        if query.max_latency_ms is not None and (latency is None or Decimal(latency) > query.max_latency_ms):
            continue
        if query.min_bandwidth_mbps is not None and choice.line["bandwidth_mbps"] < query.min_bandwidth_mbps:
            continue
        allowed.add(site_id)
    return allowed


def offered_resource_ids(query: ComputeQuery) -> list[int] | None:
    """含转售报价: the ids of the resources with a live resale offer now, asked of the offering app
    through catalog.offers at query time (liveness follows dates and qualifications, so it is not a
    stored column); None: no such filter. One small query, only when the filter is on."""
    if not query.resale:
        return None
    offered = live_resource_ids()
    return [] if offered is None else sorted(offered)


# --- hits -------------------------------------------------------------------------------------------


_URL_PLACEHOLDER = "IDENTIFIER"
_URL_TEMPLATES: dict[str | None, str | None] = {}


def record_url(identifier: str | None, language: str | None = None) -> str | None:
    """The public record page (``catalog:record-detail``), reversed once per language."""
    if not identifier:
        return None
    language = language or get_language()
    if language not in _URL_TEMPLATES:
        try:
            _URL_TEMPLATES[language] = reverse("catalog:record-detail", kwargs={"code": _URL_PLACEHOLDER})
        except NoReverseMatch:
            _URL_TEMPLATES[language] = None
    template = _URL_TEMPLATES[language]
    return template.replace(_URL_PLACEHOLDER, identifier) if template else None


def hit(document: dict, *, query: ComputeQuery, lines: dict[int, LineChoice]) -> dict:
    """The API's dict for one found resource."""
    choice = lines.get(document["site_id"])
    language = get_language()
    return {
        "id": document["id"],
        "identifier": document["identifier"],
        "name": document["name"],
        "provider": {"id": document["provider_id"], "name": document["provider_name"]},
        "site": {
            "id": document["site_id"],
            "name": document["site_name"],
            "province": document["province"],
            "province_name": document["province_name"],
            "city": document["city"],
            "city_name": document["city_name"],
        },
        "resource_class": document["resource_class"],
        "resource_class_label": _choice_label(ResourceClass, document["resource_class"], language),
        "accelerator_vendor": document["vendor"] or "",
        "accelerator_model": document["model"] or "",
        "accelerators_per_node": document["accelerators_per_node"],
        "node_count": document["node_count"],
        "total_cards": document["total_cards"],
        "accelerator_memory_gb": document["accelerator_memory_gb"],
        "cpu_architecture": document["cpu_architecture"],
        "cpu_architecture_label": _choice_label(CpuArchitecture, document["cpu_architecture"], language),
        "vcpus_per_node": document["vcpus_per_node"],
        "memory_gb_per_node": document["memory_gb_per_node"],
        "fp16_tflops_per_card": document["fp16_tflops_per_card"],
        "fp32_tflops_per_card": document["fp32_tflops_per_card"],
        "fp64_tflops_per_card": document["fp64_tflops_per_card"],
        "price_yuan": document["price_yuan"],
        "billing_unit": document["billing_unit"],
        "billing_unit_label": _choice_label(BillingUnit, document["billing_unit"], language),
        "available_units": document["available_units"],
        "reliability_percent": _percent(document.get("reliability")),
        "state": document["state"],
        "state_label": _choice_label(RecordState, document["state"], language),
        "certifications": list(document["certifications"]),
        "url": record_url(document["identifier"], language),
        "source_node": _source_node(document),
        "best_line": dict(choice.line) if choice else None,
        "price_performance": document[f"ppf_{query.precision}"],
        "price_performance_precision": query.precision,
    }


def _percent(value) -> str | None:
    """The reliability figure as its two-decimal string (None: unknown)."""
    return None if value is None or value != value else f"{value:.2f}"


def _source_node(document: dict) -> dict | None:
    """The node a synced record came from (None: this node's own resource)."""
    source = document.get("source") or "local"
    if source == "local":
        return None
    return {"prefix": source, "name": document.get("source_name") or source}


class SearchBackend:
    """One backend: ``search`` answers a query; the hooks keep its index in step with the catalogue."""

    name = ""

    def search(self, query: ComputeQuery) -> SearchResult:
        raise NotImplementedError

    def resources_changed(self, ids) -> None:
        """After commit: these resources changed (created, described, status, listing, identifier)."""

    def lines_changed(self) -> None:
        """After commit: network lines changed (lines are read from the database per user city)."""

    def rebuild(self) -> int:
        """Rebuild the whole index; return the number of published resources in it."""
        raise NotImplementedError
