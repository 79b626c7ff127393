"""The current snapshot of a catalogue record, as the change feed carries it and live updates send
it (never a delta). Registered with the feed (changes.registry) for changes appended without one."""

from collections.abc import Iterable

from django.conf import settings
from django.utils import translation

from .availability import free_units
from .models import (
    AppService,
    BillingUnit,
    ComputeResource,
    IdentifierState,
    ListingState,
    NetworkLine,
    RecordState,
    ResourceClass,
)

# Identifier states under which a record stays out of the selection and out of public snapshots.
# issued: not yet acknowledged by the national node (listed, 入网入市, only once it is: issued → filed → active)
HIDDEN_IDENTIFIER_STATES = (IdentifierState.ISSUED, IdentifierState.SUSPENDED, IdentifierState.REVOKED)

RESOURCE = "resource"
LINE = "line"
APP_SERVICE = "app_service"
RECORD_TYPES = (RESOURCE, LINE, APP_SERVICE)
# Changes of these kinds touch only a record's live figures: "status" (a provider's PATCH of
# catalog.services.records.LIVE_FIELDS) and "capacity" (units held or allocated, orders.services).
LIVE_CHANGE_KINDS = frozenset({"status", "capacity"})
# Columns of a resource that a snapshot carries: the live ones and those the selection filters use,
# so that a page can tell whether the row still matches without asking the server.
RESOURCE_FIELDS = (
    "id",
    "external_id",
    "name",
    "listing_state",
    "state",
    "price_yuan",
    "billing_unit",
    "available_units",
    "resource_class",
    "accelerator_vendor",
    "accelerator_model",
    "accelerators_per_node",
    "node_count",
    "cpu_architecture",
    "accelerator_memory_gb",
    "fp16_tflops_per_card",
    "fp32_tflops_per_card",
    "fp64_tflops_per_card",
    "certifications",
    "province_code",
    "city_code",
    "version",
    "updated_at",
    "reliability__score_percent",  # the node's reliability figure (monitoring.ResourceReliability), percent
)
# Lines and application services: their live fields (catalog.services.records.LIVE_FIELDS) and listing.
OTHER_FIELDS = {
    NetworkLine: (
        "id",
        "name",
        "listing_state",
        "state",
        "bandwidth_mbps",
        "latency_ms",
        "jitter_ms",
        "price_yuan_per_month",
        "version",
        "updated_at",
    ),
    AppService: ("id", "name", "listing_state", "state", "price_yuan", "available_units", "version", "updated_at"),
}
DECIMALS = ("price_yuan", "price_yuan_per_month", "latency_ms", "jitter_ms")
# What an anonymous subscriber learns about a record that is not in the public catalogue.
PRIVATE_FIELDS = ("id", "listing_state", "public", "version", "updated_at")


def key_for(record_type: str, record_id: int) -> str:
    return f"{record_type}:{record_id}"


def live_key(record) -> str:
    """A record's key in the change feed, the live updates and the page cache: ``resource:12``."""
    record_type = {ComputeResource: RESOURCE, NetworkLine: LINE, AppService: APP_SERVICE}[type(record)]
    return key_for(record_type, record.pk)


def group_for(key: str) -> str:
    """The channel-layer group of a subscription key ("resource:12" -> "live.resource.12")."""
    return "live." + key.replace(":", ".")


LABELLED = (("state", RecordState), ("billing_unit", BillingUnit), ("resource_class", ResourceClass))


def _labels(row: dict) -> dict[str, dict[str, str]]:
    """``<field>_label`` in every language of the site (the consumer picks the client's)."""
    labels = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            labels[code] = {
                name: str(choices(row[name]).label) if row[name] in choices.values else row[name]
                for name, choices in LABELLED
                if name in row
            }
    return labels


def _finish(row: dict) -> dict:
    identifier_state = row.pop("identifier__state")
    row["identifier"] = row.pop("identifier__code")
    # the same rule as the selection index (search.documents.published_q)
    row["public"] = row["listing_state"] == ListingState.APPROVED and identifier_state not in HIDDEN_IDENTIFIER_STATES
    for name in DECIMALS:
        if row.get(name) is not None:
            row[name] = format(row[name], "f")
    row["updated_at"] = row["updated_at"].isoformat() if row["updated_at"] else None
    if not row["public"]:
        return {name: row[name] for name in PRIVATE_FIELDS}
    row["labels"] = _labels(row)
    return row


def _resource_snapshot(row: dict) -> dict:
    # users see what is left: reported − held − allocated (catalog.availability); the report stays beside it
    row["reported_units"] = row["available_units"]
    row["available_units"] = row.pop("free_units")
    for name in ("fp16_tflops_per_card", "fp32_tflops_per_card", "fp64_tflops_per_card"):
        row[name] = None if row[name] is None else format(row[name], "f")
    row["total_cards"] = (row["accelerators_per_node"] or 0) * (row["node_count"] or 0)
    row["certified"] = bool(row.pop("certifications"))
    reliability = row.pop("reliability__score_percent")
    row["reliability_percent"] = None if reliability is None else format(reliability, "f")
    return _finish(row)


def _snapshots(
    model: type, columns: tuple[str, ...], finish, record_ids: Iterable[int], annotations: dict | None = None
) -> dict[int, dict]:
    """Current snapshots by id, one ``values()`` query per 500 ids (no model instances); ids that no
    longer exist map to a "deleted" snapshot."""
    ids = list(dict.fromkeys(int(pk) for pk in record_ids))
    found: dict[int, dict] = {}
    for start in range(0, len(ids), 500):
        rows = model.objects.filter(pk__in=ids[start : start + 500]).order_by().annotate(**(annotations or {}))
        for row in rows.values(*columns, *(annotations or {}), "identifier__code", "identifier__state"):
            found[row["id"]] = finish(dict(row))
    for pk in ids:
        found.setdefault(pk, {"id": pk, "public": False, "deleted": True})
    return found


def resource_snapshots(*, record_ids: Iterable[int]) -> dict[int, dict]:
    return _snapshots(
        ComputeResource, RESOURCE_FIELDS, _resource_snapshot, record_ids, annotations={"free_units": free_units()}
    )


def line_snapshots(*, record_ids: Iterable[int]) -> dict[int, dict]:
    return _snapshots(NetworkLine, OTHER_FIELDS[NetworkLine], _finish, record_ids)


def app_service_snapshots(*, record_ids: Iterable[int]) -> dict[int, dict]:
    return _snapshots(AppService, OTHER_FIELDS[AppService], _finish, record_ids)
