"""Writes of resource and application samples (flows 7 and 10): pushed, from status updates, snapshots.

Idempotent per (resource, sampled_at) and (app service, sampled_at): a repeated sample changes nothing.
"""

import datetime
import functools
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connections, router, transaction
from django.db.models import DateTimeField
from django.db.models.constants import OnConflict
from django.utils import timezone

from catalog.models import AppService, BillingUnit, ComputeResource, ListingState, RecordState

from ..models import AppServiceSample, ResourceSample
from .periods import hour_start

BATCH = 2000


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    duplicates: int


def installed_cards(resource: ComputeResource) -> int:
    return resource.accelerators_per_node * resource.node_count


def available_cards_from_units(resource: ComputeResource, available_units: int) -> int:
    """The provider's available units (in its billing unit) as accelerator cards."""
    if resource.billing_unit == BillingUnit.CARD_HOUR:
        cards = available_units
    elif resource.billing_unit == BillingUnit.NODE_HOUR:
        cards = available_units * resource.accelerators_per_node
    else:  # vCPU-billed: only the share of nodes free can be inferred, not cards
        vcpus = (resource.vcpus_per_node or 0) * resource.node_count
        cards = round(installed_cards(resource) * available_units / vcpus) if vcpus else 0
    return max(0, min(cards, installed_cards(resource)))


def derived_utilisation(installed: int, available: int) -> float | None:
    return round(100.0 * (installed - available) / installed, 4) if installed else None


def _resource_sample(
    resource: ComputeResource,
    *,
    sampled_at: datetime.datetime,
    source: str,
    available_cards: int | None = None,
    utilisation_percent: float | None = None,
    state: str | None = None,
    state_changed: bool = False,
) -> ResourceSample:
    installed = installed_cards(resource)
    if available_cards is None:
        available_cards = available_cards_from_units(resource, resource.available_units)
    available_cards = max(0, min(int(available_cards), installed))
    if utilisation_percent is None:
        utilisation_percent = derived_utilisation(installed, available_cards)
    return {
        "resource_id": resource.pk,
        "provider_id": resource.provider_id,
        "province_code": resource.province_code,
        "resource_class": resource.resource_class,
        "sampled_at": sampled_at,
        "hour": _hour(sampled_at),
        "source": source,
        "installed_cards": installed,
        "available_cards": available_cards,
        "utilisation_percent": utilisation_percent,
        "state": state or resource.state,
        "state_changed": state_changed,
    }


@functools.lru_cache(maxsize=8192)
def _hour(moment: datetime.datetime) -> datetime.datetime:
    return hour_start(moment)


def _insert_new(model, rows: list[dict], key_field: str) -> IngestResult:
    """Insert rows whose (key_field, sampled_at) is not stored yet; a concurrent duplicate is ignored too.

    The hottest write of the node: one existence query, then a plain multi-row INSERT … ON CONFLICT DO
    NOTHING (no model instances; each distinct datetime adapted once).
    """
    if not rows:
        return IngestResult(0, 0)
    unique: dict[tuple, dict] = {}
    for row in rows:
        unique.setdefault((row[key_field], row["sampled_at"]), row)
    ids = {key[0] for key in unique}
    moments = [key[1] for key in unique]
    existing = set(
        model.objects.filter(
            **{f"{key_field}__in": ids}, sampled_at__gte=min(moments), sampled_at__lte=max(moments)
        ).values_list(key_field, "sampled_at")
    )
    fresh = [row for key, row in unique.items() if key not in existing]
    _insert_ignore(model, fresh)
    return IngestResult(accepted=len(fresh), duplicates=len(rows) - len(fresh))


def _insert_ignore(model, rows: list[dict]) -> None:
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    names = list(rows[0])
    fields = [model._meta.get_field(name) for name in names]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    adapt = connection.ops.adapt_datetimefield_value
    cache: dict = {}
    datetimes = {index for index, field in enumerate(fields) if isinstance(field, DateTimeField)}

    def value(index, raw):
        if index in datetimes:
            if raw not in cache:
                cache[raw] = adapt(raw)
            return cache[raw]
        return raw

    table = connection.ops.quote_name(model._meta.db_table)
    insert = connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)
    suffix = connection.ops.on_conflict_suffix_sql(fields, OnConflict.IGNORE, None, None) or ""
    per_statement = max(1, min(BATCH, 900 // len(fields)))  # SQLite: at most 999 parameters per statement
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            placeholders = ", ".join(["(" + ", ".join(["%s"] * len(names)) + ")"] * len(chunk))
            params = [value(index, row[name]) for row in chunk for index, name in enumerate(names)]
            cursor.execute(f"{insert} {table} ({columns}) VALUES {placeholders} {suffix}", params)


@transaction.atomic
def resource_samples_ingest(*, resources: dict[str, ComputeResource], samples: Iterable[dict]) -> IngestResult:
    """Store validated pushed samples: ``resource`` (external id, a key of ``resources``), ``sampled_at``,
    ``available_cards``, optional ``utilisation_percent`` and ``state``."""
    samples = sorted(samples, key=lambda sample: sample["sampled_at"])
    if not samples:
        return IngestResult(0, 0)
    previous = _states_before(resources.values(), samples[0]["sampled_at"])
    rows = []
    for sample in samples:
        resource = resources[sample["resource"]]
        state = sample.get("state") or resource.state
        before = previous.get(resource.pk)
        previous[resource.pk] = state
        rows.append(
            _resource_sample(
                resource,
                sampled_at=sample["sampled_at"],
                source=ResourceSample.Source.PUSH,
                available_cards=sample["available_cards"],
                utilisation_percent=sample.get("utilisation_percent"),
                state=state,
                state_changed=before is not None and before != state,
            )
        )
    return _insert_new(ResourceSample, rows, "resource_id")


def _states_before(resources, moment) -> dict[int, str]:
    """The state of each resource's latest sample before ``moment`` (one query), to count changes."""
    from django.db.models import OuterRef, Subquery

    latest = ResourceSample.objects.filter(resource_id=OuterRef("pk"), sampled_at__lt=moment).order_by("-sampled_at")
    rows = ComputeResource.objects.filter(pk__in=[resource.pk for resource in resources]).annotate(
        last_state=Subquery(latest.values("state")[:1])
    )
    return {pk: state for pk, state in rows.values_list("pk", "last_state") if state}


@transaction.atomic
def app_samples_ingest(*, app_services: dict[str, AppService], samples: Iterable[dict]) -> IngestResult:
    rows = []
    for sample in samples:
        service = app_services[sample["app_service"]]
        rows.append(
            {
                "app_service_id": service.pk,
                "provider_id": service.provider_id,
                "province_code": service.provider.organization.province_id or "",
                "sampled_at": sample["sampled_at"],
                "hour": _hour(sample["sampled_at"]),
                "calls": sample["calls"],
                "users": sample["users"],
            }
        )
    return _insert_new(AppServiceSample, rows, "app_service_id")


def resource_status_record(*, resource_ids: Iterable[int], fields: tuple[str, ...] = (), now=None) -> int:
    """A sample of each listed resource's live state after a status update (the catalogue's hook)."""
    now = now or timezone.now()
    resources = ComputeResource.objects.filter(pk__in=list(resource_ids), listing_state=ListingState.APPROVED)
    rows = [
        _resource_sample(resource, sampled_at=now, source=ResourceSample.Source.STATUS, state_changed="state" in fields)
        for resource in resources
    ]
    return _insert_new(ResourceSample, rows, "resource_id").accepted


def resource_snapshot_take(*, now=None) -> int:
    """A sample of every listed resource, so an hour without pushes still shows the installed capacity."""
    now = now or timezone.now()
    rows = [
        _resource_sample(resource, sampled_at=now, source=ResourceSample.Source.SNAPSHOT)
        for resource in ComputeResource.objects.filter(listing_state=ListingState.APPROVED).iterator(chunk_size=1000)
    ]
    with transaction.atomic():
        return _insert_new(ResourceSample, rows, "resource_id").accepted


ONLINE = RecordState.ONLINE
