"""The catalogue sync's items (``federation.sync``): the public snapshot of each of this node's own
records, built from plain ``values()`` rows (a resync reads 100,000 records: no model instances, and what
every record shares, the state labels and the record URL pattern, is computed once per pass).
Registered per record type with ``federation.kinds.sync_source_register`` at CatalogConfig.ready."""

from collections.abc import Iterable, Iterator

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from ..models import AppService, ComputeResource, ListingState, NetworkLine
from ..snapshots import HIDDEN_IDENTIFIER_STATES

# the change-feed record types the catalogue sync sends upward, and their models
SYNC_MODELS = {"resource": ComputeResource, "line": NetworkLine, "app_service": AppService}


def _record_url_template() -> str:
    """The owning node's public record URL with ``{code}`` for the identifier (reversed once per pass:
    identifiers are ``[A-Z0-9./]`` only, which ``reverse`` leaves unquoted)."""
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("catalog:record-detail", kwargs={"code": "CODE"})
    return settings.NODE_PUBLIC_URL + path.replace("CODE", "{code}")


def _decimal(value) -> str | None:
    return None if value is None else format(value, "f")


# Columns read per record type (``values()`` rows, not model instances: a resync reads 100,000 rows)
COMMON = ("pk", "name", "state", "version", "listing_state", "identifier__code", "identifier__state")
RESOURCE_COLUMNS = (
    "provider__organization__name",
    "site__name",
    "price_yuan",
    "billing_unit",
    "available_units",
    "resource_class",
    "province_code",
    "city_code",
    "description",
    "accelerator_vendor",
    "accelerator_model",
    "accelerators_per_node",
    "node_count",
    "cpu_architecture",
    "vcpus_per_node",
    "memory_gb_per_node",
    "accelerator_memory_gb",
    "certifications",
    "fp16_tflops_per_card",
    "fp32_tflops_per_card",
    "fp64_tflops_per_card",
)
COLUMNS = {
    "resource": (*COMMON, *RESOURCE_COLUMNS),
    "line": (
        *COMMON,
        "provider__organization__name",
        "from_city_id",
        "price_yuan_per_month",
        "bandwidth_mbps",
        "to_site__name",
    ),
    "app_service": (
        *COMMON,
        "provider__organization__name",
        "provider__organization__city_id",
        "provider__organization__province_id",
        "price_yuan",
        "available_units",
    ),
}


def _snapshot(record_type: str, row: dict, state_labels: dict[str, str]) -> dict:
    """The public snapshot of one record (a ``values()`` row of ``COLUMNS[record_type]``)."""
    if record_type == "resource":
        division = row["city_code"]
    elif record_type == "line":
        division = row["from_city_id"]
    else:
        division = row["provider__organization__city_id"] or row["provider__organization__province_id"]
    snapshot = {
        "identifier": row["identifier__code"],
        "record_type": record_type,
        "name": row["name"],
        "provider": row["provider__organization__name"],
        "state": row["state"],
        "state_label": state_labels.get(row["state"], row["state"]),
        "division_code": division or "",
        "version": row["version"],
    }
    if record_type == "resource":
        snapshot.update(
            price_yuan=_decimal(row["price_yuan"]),
            billing_unit=row["billing_unit"],
            available_units=row["available_units"],
            resource_class=row["resource_class"],
            site=row["site__name"],
            province_code=row["province_code"],
            city_code=row["city_code"] or "",
            description=row["description"][:500],
            accelerator_vendor=row["accelerator_vendor"] or "",
            accelerator_model=row["accelerator_model"] or "",
            accelerators_per_node=row["accelerators_per_node"],
            node_count=row["node_count"],
            cpu_architecture=row["cpu_architecture"] or "",
            vcpus_per_node=row["vcpus_per_node"],
            memory_gb_per_node=row["memory_gb_per_node"],
            accelerator_memory_gb=row["accelerator_memory_gb"],
            certifications=[str(item) for item in (row["certifications"] or [])],
            **{
                f"{precision}_tflops_per_card": _decimal(row[f"{precision}_tflops_per_card"])
                for precision in ("fp16", "fp32", "fp64")
            },
        )
    elif record_type == "line":
        snapshot.update(
            price_yuan_per_month=_decimal(row["price_yuan_per_month"]),
            bandwidth_mbps=row["bandwidth_mbps"],
            site=row["to_site__name"],
        )
    else:
        snapshot.update(price_yuan=_decimal(row["price_yuan"]), available_units=row["available_units"])
    return snapshot


def sync_items(*, record_type: str, record_ids: Iterable[int] | None, position: int) -> Iterator[dict]:
    """Sync items of this node's own records (all of them when ``record_ids`` is None) at ``position``;
    records without an identifier were never public and are left out. Reads plain rows (chunks of one
    query each, no model instances) and computes what every record shares (labels, the URL pattern) once."""
    model = SYNC_MODELS[record_type]
    queryset = model.objects.filter(identifier__isnull=False).order_by("pk").values(*COLUMNS[record_type])
    if record_ids is not None:
        queryset = queryset.filter(pk__in=list(record_ids))
    url = _record_url_template()
    with translation.override(settings.LANGUAGE_CODE):  # the shared msgid: each node translates it for its visitors
        state_labels = {value: str(label) for value, label in model._meta.get_field("state").choices}
    name = settings.NODE_NAME
    for row in queryset.iterator(chunk_size=2000):
        code = row["identifier__code"]
        public = (
            row["listing_state"] == ListingState.APPROVED and row["identifier__state"] not in HIDDEN_IDENTIFIER_STATES
        )
        yield {
            "identifier": code,
            "record_type": record_type,
            "position": position,
            "removed": not public,
            "snapshot": _snapshot(record_type, row, state_labels) if public else {},
            "source_name": name,
            "source_url": url.format(code=code),
            "pk": row["pk"],
        }
