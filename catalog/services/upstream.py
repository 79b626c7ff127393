"""What the catalogue sends to the node above through federation: the filing of an issued identifier
and the later state changes of a filed one (the outbox), and the public snapshots of its records (the
catalogue sync, ``sync_items``, registered per record type at CatalogConfig.ready). The payloads are
built here, from the catalogue's records; federation carries them and knows none of the catalogue's
models."""

from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from federation.filings import UPWARD_STATES, filing_enqueue, state_enqueue
from federation.models import OutboxMessage
from federation.selectors import upstream_url

from ..models import AppService, ComputeResource, Identifier, NetworkLine
from ..snapshots import HIDDEN_IDENTIFIER_STATES

# the change-feed record types the catalogue sync sends upward, and their models
SYNC_MODELS = {"resource": ComputeResource, "line": NetworkLine, "app_service": AppService}


def identifier_filing_enqueue(*, identifier_id: int) -> OutboxMessage | None:
    """Queue the filing of an issued identifier with the upstream (national) node."""
    identifier = Identifier.objects.filter(pk=identifier_id).first()
    if identifier is None or identifier.state != "issued":  # already filed (or withdrawn) meanwhile
        return None
    record = identifier.record
    return filing_enqueue(
        payload={
            "identifier": identifier.code,
            "node_prefix": identifier.prefix,
            "class_code": identifier.class_code,
            "name": record.name,
            "provider": record.provider.organization.name,
            "provider_uscc": record.provider.organization.uscc,
            "division_code": record.division_code,
            "issued_at": identifier.issued_at.isoformat(),
        }
    )


def identifier_state_enqueue(*, identifier_id: int) -> None:
    """A suspension, reactivation or revocation of a filed identifier travels upward."""
    identifier = Identifier.objects.filter(pk=identifier_id).first()
    if identifier is None or identifier.state not in UPWARD_STATES or not upstream_url():
        return
    state_enqueue(
        payload={
            "identifier": identifier.code,
            "node_prefix": identifier.prefix,
            "state": identifier.state,
            "changed_at": identifier.changed_at.isoformat(),
        }
    )


def _record_url(code: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return settings.NODE_PUBLIC_URL + reverse("catalog:record-detail", kwargs={"code": code})


def _decimal(value) -> str | None:
    return None if value is None else format(value, "f")


def _snapshot(record_type: str, record) -> dict:
    identifier = record.identifier
    snapshot = {
        "identifier": identifier.code,
        "record_type": record_type,
        "name": record.name,
        "provider": record.provider.organization.name,
        "state": record.state,
        "state_label": str(record.get_state_display()),
        "division_code": record.division_code or "",
        "version": record.version,
    }
    if record_type == "resource":
        snapshot.update(
            price_yuan=format(record.price_yuan, "f") if record.price_yuan is not None else None,
            billing_unit=record.billing_unit,
            available_units=record.available_units,
            resource_class=record.resource_class,
            site=record.site.name,
            province_code=record.province_code,
            city_code=record.city_code or "",
            description=record.description[:500],
            accelerator_vendor=record.accelerator_vendor or "",
            accelerator_model=record.accelerator_model or "",
            accelerators_per_node=record.accelerators_per_node,
            node_count=record.node_count,
            cpu_architecture=record.cpu_architecture or "",
            vcpus_per_node=record.vcpus_per_node,
            memory_gb_per_node=record.memory_gb_per_node,
            accelerator_memory_gb=record.accelerator_memory_gb,
            certifications=[str(item) for item in (record.certifications or [])],
            **{
                f"{precision}_tflops_per_card": _decimal(getattr(record, f"{precision}_tflops_per_card"))
                for precision in ("fp16", "fp32", "fp64")
            },
        )
    elif record_type == "line":
        snapshot.update(
            price_yuan_per_month=format(record.price_yuan_per_month, "f")
            if record.price_yuan_per_month is not None
            else None,
            bandwidth_mbps=record.bandwidth_mbps,
            site=record.to_site.name,
        )
    else:
        snapshot.update(
            price_yuan=format(record.price_yuan, "f") if record.price_yuan is not None else None,
            available_units=record.available_units,
        )
    return snapshot


def sync_items(*, record_type: str, record_ids: Iterable[int] | None, position: int) -> list[dict]:
    """Catalogue sync items (federation.sync) of this node's own records of ``record_type`` (all of them
    when ``record_ids`` is None) at ``position``; records without an identifier were never public and are
    left out."""
    model = SYNC_MODELS[record_type]
    related = ["provider__organization", "identifier"] + (["site"] if record_type == "resource" else [])
    if record_type == "line":
        related.append("to_site")
    queryset = model.objects.select_related(*related).filter(identifier__isnull=False).order_by("pk")
    if record_ids is not None:
        queryset = queryset.filter(pk__in=list(record_ids))
    items = []
    for record in queryset.iterator(chunk_size=500):
        code = record.identifier.code
        public = record.is_public and record.identifier.state not in HIDDEN_IDENTIFIER_STATES
        items.append(
            {
                "identifier": code,
                "record_type": record_type,
                "position": position,
                "removed": not public,
                "snapshot": _snapshot(record_type, record) if public else {},
                "source_name": settings.NODE_NAME,
                "source_url": _record_url(code),
                "pk": record.pk,
            }
        )
    return items
