"""Compute resources synced here from the nodes below (federation.SyncedRecord) as rows of the selection index.

A synced resource is a read-only copy of an industry (or regional) node's public record. The database
backend keeps it beside this node's own resources, under the negative id ``-SyncedRecord.pk`` (its site
and provider are known by name only, under the same negative key), with the ``source`` column naming
the owning node's prefix; this node's own resources have ``source`` = ``LOCAL_SOURCE``. A removed
(delisted, suspended, revoked) record is a row that is not published: it disappears from the selection
with the change-feed entry its removal appended (``synced``), like a local delisting.
"""

from django.conf import settings
from django.utils.translation import gettext as _

from catalog.models import ListingState

LOCAL_SOURCE = "local"
SYNCED_FEED_TYPE = "synced"  # federation.sync_receive.SYNCED (not imported: search stays below federation)


def _number(value, default=None):
    if value in (None, ""):
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _integer(value, default=None):
    number = _number(value)
    return default if number is None else int(number)


def synced_rows(*, ids=None) -> tuple[dict[str, tuple], dict[int, tuple], dict[int, str], dict[str, str]]:
    """Rows (as the index's FETCH columns plus ``source``) of the synced resources with these
    ``SyncedRecord`` pks (all when None): (columns, sites, providers, source names) where sites and
    providers map the negative row id to the names the index shows."""
    from federation.models import SyncedRecord  # the model lives in federation; nothing there imports search
    from organizations.models import Division

    queryset = SyncedRecord.objects.filter(record_type="resource").order_by("pk")
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    records = list(queryset.values_list("pk", "identifier", "source_prefix", "source_name", "snapshot", "removed"))
    wanted = {(snapshot or {}).get("province_code") or "" for *_, snapshot, _removed in records}
    provinces = dict(Division.objects.filter(code__in=wanted).values_list("code", "name_zh"))
    rows: list[dict] = []
    sites: dict[int, tuple] = {}
    providers: dict[int, str] = {}
    names: dict[str, str] = {}
    for pk, identifier, prefix, source_name, snapshot, removed in records:
        snapshot = snapshot or {}
        key = -pk
        province = snapshot.get("province_code") or ""
        sites[key] = (snapshot.get("site") or "", provinces.get(province, ""), "")
        providers[key] = snapshot.get("provider") or ""
        names[prefix] = source_name or prefix
        rows.append(
            {
                "id": key,
                "name": snapshot.get("name") or identifier,
                "description": snapshot.get("description") or "",
                "provider_id": key,
                "site_id": key,
                "province_code": province,
                "city_code": snapshot.get("city_code") or "",
                "resource_class": snapshot.get("resource_class") or "",
                "accelerator_vendor": snapshot.get("accelerator_vendor") or "",
                "accelerator_model": snapshot.get("accelerator_model") or "",
                "accelerators_per_node": _integer(snapshot.get("accelerators_per_node"), 0),
                "node_count": _integer(snapshot.get("node_count"), 0),
                "cpu_architecture": snapshot.get("cpu_architecture") or "",
                "vcpus_per_node": _number(snapshot.get("vcpus_per_node")),
                "memory_gb_per_node": _number(snapshot.get("memory_gb_per_node")),
                "accelerator_memory_gb": _number(snapshot.get("accelerator_memory_gb")),
                "fp16_tflops_per_card": _number(snapshot.get("fp16_tflops_per_card")),
                "fp32_tflops_per_card": _number(snapshot.get("fp32_tflops_per_card")),
                "fp64_tflops_per_card": _number(snapshot.get("fp64_tflops_per_card")),
                "billing_unit": snapshot.get("billing_unit") or "",
                "price_yuan": _number(snapshot.get("price_yuan"), 0.0),
                "available_units": _integer(snapshot.get("available_units"), 0),
                "state": snapshot.get("state") or "",
                "certifications": list(snapshot.get("certifications") or []),
                "listing_state": "removed" if removed else str(ListingState.APPROVED),
                "identifier__code": identifier,
                "identifier__state": "active",
                "source": prefix,
            }
        )
    fields = rows[0].keys() if rows else ()
    columns = {name: tuple(row[name] for row in rows) for name in fields}
    return columns, sites, providers, names


def source_label(value: str, names: dict[str, str]) -> str:
    """The facet label of a source: this node, or the owning node's name and prefix."""
    if value == LOCAL_SOURCE:
        return _("本节点（%(name)s）") % {"name": settings.NODE_NAME}
    name = names.get(value)
    return f"{name}（{value}）" if name and name != value else value
