"""Writes of resource and application samples (flows 7 and 10): pushed, from status updates, snapshots.

Idempotent per (resource, sampled_at) and (app service, sampled_at): a repeated sample changes nothing.
Every write of resource samples also queues what it adds to each (resource, hour) bucket for the
roll-up (``ResourceRollupPending``, same transaction), so the roll-up reads no raw sample and never
depends on the order in which concurrent transactions commit.

The push endpoint is the node's hottest write path: rows are plain tuples written with one
``executemany`` of ``INSERT … ON CONFLICT DO NOTHING`` (no model instances), and each distinct
datetime of a batch is converted and adapted once.
"""

import datetime
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connections, router, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from catalog.models import AppService, BillingUnit, ComputeResource, ListingState, RecordState

from ..models import BUCKET_SUMS, AppServiceSample, ResourceRollupPending, ResourceSample
from .periods import local_zone

ONLINE = RecordState.ONLINE


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    duplicates: int


class ResourceFacts(NamedTuple):
    """What a sample needs of its resource: the ownership query of a push reads only these columns."""

    pk: int
    state: str
    listing_state: str
    installed_cards: int

    @classmethod
    def of(cls, resource: "ComputeResource | ResourceFacts") -> "ResourceFacts":
        if isinstance(resource, ResourceFacts):
            return resource
        return cls(resource.pk, resource.state, resource.listing_state, installed_cards(resource))


def resource_facts_for_provider(*, provider_id: int, external_ids: Iterable[str]) -> dict[str, ResourceFacts]:
    """The provider's resources among ``external_ids`` (one query), by external id; others are absent."""
    rows = ComputeResource.objects.filter(provider_id=provider_id, external_id__in=list(external_ids)).values_list(
        "external_id", "pk", "state", "listing_state", "accelerators_per_node", "node_count"
    )
    return {
        external_id: ResourceFacts(pk, state, listing, per_node * nodes)
        for external_id, pk, state, listing, per_node, nodes in rows
    }


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


# The columns of a resource sample row, in the order of the tuples built below.
RESOURCE_COLUMNS = (
    "resource_id",
    "sampled_at",
    "hour",
    "source",
    "installed_cards",
    "available_cards",
    "utilisation_percent",
    "state",
    "state_changed",
)
APP_COLUMNS = ("app_service_id", "provider_id", "province_code", "sampled_at", "hour", "calls", "users")


class _Periods:
    """Each distinct moment of a batch, converted once: (the moment as the database stores it, its
    local hour as the database stores it); ``days`` maps such an hour to its local day, stored
    alike. A batch shares few timestamps."""

    def __init__(self, connection):
        self.zone, self.adapt = local_zone(), connection.ops.adapt_datetimefield_value
        self.cache: dict = {}
        self.days: dict = {}

    def __call__(self, moment: datetime.datetime) -> tuple:
        found = self.cache.get(moment)
        if found is None:
            local = moment.astimezone(self.zone)
            hour = self.adapt(local.replace(minute=0, second=0, microsecond=0))
            found = self.cache[moment] = (self.adapt(moment), hour)
            if hour not in self.days:
                self.days[hour] = self.adapt(local.replace(hour=0, minute=0, second=0, microsecond=0))
        return found


class ConcurrentIngestError(Exception):
    """A concurrent transaction kept storing the same samples; the batch was not stored."""


def _connection(model):
    return connections[router.db_for_write(model)]


def _insert_new(model, columns: tuple[str, ...], rows: list[tuple], *, key: str, span: tuple) -> tuple[list, int, int]:
    """Insert the rows whose (``key``, sampled_at) is not stored yet; returns (rows meant to be inserted,
    duplicates, rows the database inserted: fewer only if a concurrent transaction stored some first).

    ``rows`` carry database-ready values (datetimes adapted); ``span`` is (earliest, latest) of their
    ``sampled_at``. One existence query over that time range, then one ``executemany`` of
    ``INSERT … ON CONFLICT DO NOTHING``, which also ignores a duplicate that a concurrent transaction
    committed meanwhile (SQLite ≥ 3.24 and PostgreSQL share the syntax; unlike SQLite's
    ``INSERT OR IGNORE`` it does not swallow other violations).
    """
    if not rows:
        return [], 0, 0
    key_at, moment_at = columns.index(key), columns.index("sampled_at")
    unique: dict[tuple, tuple] = {}
    for row in rows:
        unique.setdefault((row[key_at], row[moment_at]), row)
    adapt = _connection(model).ops.adapt_datetimefield_value
    stored = model.objects.filter(
        **{f"{key}__in": {pair[0] for pair in unique}}, sampled_at__gte=span[0], sampled_at__lte=span[1]
    )
    existing = {(pk, adapt(moment)) for pk, moment in stored.order_by().values_list(key, "sampled_at")}
    if existing:
        fresh = [row for pair, row in unique.items() if pair not in existing]
    else:
        fresh = rows if len(unique) == len(rows) else list(unique.values())
    inserted = _execute_insert(model, columns, fresh)
    return fresh, len(rows) - len(fresh), inserted


def _execute_insert(model, columns: tuple[str, ...], rows: list[tuple], *, ignore_conflicts: bool = True) -> int:
    """One ``executemany`` of plain tuples; returns how many rows were inserted (sqlite3 and psycopg
    sum the counts of the statements)."""
    if not rows:
        return 0
    connection = _connection(model)
    meta, quote = model._meta, connection.ops.quote_name
    sql = "INSERT INTO {table} ({columns}) VALUES ({values}){conflict}".format(
        table=quote(meta.db_table),
        columns=", ".join(quote(meta.get_field(name.removesuffix("_id")).column) for name in columns),
        values=", ".join(["%s"] * len(columns)),
        conflict=" ON CONFLICT DO NOTHING" if ignore_conflicts else "",
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        return cursor.rowcount if cursor.rowcount >= 0 else len(rows)


PENDING_COLUMNS = ("resource_id", "hour", "day", *BUCKET_SUMS)


def _bucket_sums(rows: list[tuple], days: dict) -> list[tuple]:
    """What ``rows`` (RESOURCE_COLUMNS) add to each (resource, hour) bucket, as PENDING_COLUMNS tuples."""
    sums: dict[tuple, list] = {}
    online = ONLINE.value
    for row in rows:
        key, available, utilisation = (row[0], row[2]), row[5], row[6]
        found = sums.get(key)
        if found is None:
            found = sums[key] = [0, 0, 0, 0, 0, available, 0.0, 0]
        found[0] += 1
        found[1] += row[7] == online
        found[2] += row[8]
        found[3] += row[4]
        found[4] += available
        if available < found[5]:
            found[5] = available
        if utilisation is not None:
            found[6] += utilisation
            found[7] += 1
    return [(resource_id, hour, days[hour], *values) for (resource_id, hour), values in sums.items()]


def _store_resource_rows(rows: list[tuple], *, span: tuple, periods: _Periods) -> IngestResult:
    """Store resource sample rows (RESOURCE_COLUMNS, values adapted) and queue what they add to their
    (resource, hour) buckets for the roll-up, in one transaction.

    The sums are taken over exactly the rows inserted: if a concurrent transaction stored some of
    them first (PostgreSQL; SQLite serialises writers), the attempt is undone and repeated, and the
    existence query then sees them.
    """
    for _attempt in range(3):
        try:
            with transaction.atomic():
                fresh, duplicates, inserted = _insert_new(
                    ResourceSample, RESOURCE_COLUMNS, rows, key="resource_id", span=span
                )
                if inserted != len(fresh):
                    raise ConcurrentIngestError
                _execute_insert(
                    ResourceRollupPending, PENDING_COLUMNS, _bucket_sums(fresh, periods.days), ignore_conflicts=False
                )
            return IngestResult(accepted=len(fresh), duplicates=duplicates)
        except ConcurrentIngestError:
            continue
    raise ConcurrentIngestError


_BY_MOMENT = operator.itemgetter("sampled_at")


def resource_samples_ingest(
    *, resources: Mapping[str, "ComputeResource | ResourceFacts"], samples: Iterable[dict]
) -> IngestResult:
    """Store validated pushed samples: ``resource`` (external id, a key of ``resources``), ``sampled_at``
    (aware), ``available_cards``, optional ``utilisation_percent`` and ``state``.

    ``resources`` maps external ids to model instances or to ``ResourceFacts`` (what
    ``resource_facts_for_provider`` returns). A sample's ``state_changed`` compares it with the
    resource's previous sample in time (the latest stored before the batch, then the batch's own).
    """
    samples = sorted(samples, key=_BY_MOMENT)
    if not samples:
        return IngestResult(0, 0)
    facts = {key: ResourceFacts.of(resource) for key, resource in resources.items()}
    previous = _states_before([resource.pk for resource in facts.values()], samples[0]["sampled_at"])
    periods, push, rows = _Periods(_connection(ResourceSample)), ResourceSample.Source.PUSH.value, []
    append, converted = rows.append, periods.cache
    for sample in samples:  # the node's hottest loop: plain tuples, each moment converted once
        resource = facts[sample["resource"]]
        pk, installed, state = resource.pk, resource.installed_cards, sample.get("state") or resource.state
        before = previous.get(pk)
        previous[pk] = state
        moment = sample["sampled_at"]
        stored = converted.get(moment) or periods(moment)
        available = sample["available_cards"]
        if type(available) is not int or available < 0 or available > installed:
            available = max(0, min(int(available), installed))
        utilisation = sample.get("utilisation_percent")
        if utilisation is None:
            utilisation = derived_utilisation(installed, available)
        append(
            (
                pk,
                stored[0],
                stored[1],
                push,
                installed,
                available,
                utilisation,
                state,
                before is not None and before != state,
            )
        )
    return _store_resource_rows(rows, span=(samples[0]["sampled_at"], samples[-1]["sampled_at"]), periods=periods)


def _states_before(resource_ids: list[int], moment: datetime.datetime) -> dict[int, str]:
    """The state of each resource's latest sample before ``moment`` (one query), to count changes."""
    latest = ResourceSample.objects.filter(resource_id=OuterRef("pk"), sampled_at__lt=moment).order_by("-sampled_at")
    rows = ComputeResource.objects.filter(pk__in=resource_ids).annotate(last_state=Subquery(latest.values("state")[:1]))
    return {pk: state for pk, state in rows.values_list("pk", "last_state") if state}


def app_samples_ingest(*, app_services: Mapping[str, AppService], samples: Iterable[dict]) -> IngestResult:
    periods, rows = _Periods(_connection(AppServiceSample)), []
    province: dict[int, str] = {}
    for sample in samples:
        service = app_services[sample["app_service"]]
        if service.pk not in province:
            province[service.pk] = service.provider.organization.province_id or ""
        stored_moment, stored_hour = periods(sample["sampled_at"])
        rows.append(
            (
                service.pk,
                service.provider_id,
                province[service.pk],
                stored_moment,
                stored_hour,
                sample["calls"],
                sample["users"],
            )
        )
    with transaction.atomic():
        span = (min(moments), max(moments)) if (moments := list(periods.cache)) else None
        fresh, duplicates, inserted = _insert_new(AppServiceSample, APP_COLUMNS, rows, key="app_service_id", span=span)
    return IngestResult(accepted=inserted, duplicates=duplicates + len(fresh) - inserted)


def _live_rows(
    resources: Iterable[ComputeResource], periods: _Periods, *, now: datetime.datetime, source: str, changed: bool
) -> list:
    """A sample row of each resource's live state from the catalogue (status updates, snapshots)."""
    rows = []
    stored_moment, stored_hour = periods(now)
    for resource in resources:
        installed = installed_cards(resource)
        available = available_cards_from_units(resource, resource.available_units)
        utilisation = derived_utilisation(installed, available)
        rows.append(
            (
                resource.pk,
                stored_moment,
                stored_hour,
                source,
                installed,
                available,
                utilisation,
                resource.state,
                changed,
            )
        )
    return rows


def resource_status_record(*, resource_ids: Iterable[int], fields: tuple[str, ...] = (), now=None) -> int:
    """A sample of each listed resource's live state after a status update (the catalogue's hook)."""
    now = now or timezone.now()
    resources = ComputeResource.objects.filter(pk__in=list(resource_ids), listing_state=ListingState.APPROVED)
    periods, source = _Periods(_connection(ResourceSample)), ResourceSample.Source.STATUS.value
    rows = _live_rows(resources, periods, now=now, source=source, changed="state" in fields)
    return _store_resource_rows(rows, span=(now, now), periods=periods).accepted


def resource_snapshot_take(*, now=None) -> int:
    """A sample of every listed resource, so an hour without pushes still shows the installed capacity."""
    now = now or timezone.now()
    resources = ComputeResource.objects.filter(listing_state=ListingState.APPROVED).iterator(chunk_size=1000)
    periods, source = _Periods(_connection(ResourceSample)), ResourceSample.Source.SNAPSHOT.value
    rows = _live_rows(resources, periods, now=now, source=source, changed=False)
    return _store_resource_rows(rows, span=(now, now), periods=periods).accepted
