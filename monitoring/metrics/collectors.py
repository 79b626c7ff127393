"""Collectors of flows 8–10: additive figures per local hour and dimension, from the tables where the
activity is recorded, written to ``MetricValue`` (hours, then the days they belong to as sums).

Each collector returns ``(hour_start, dimensions, total, count)`` tuples for a window. Scheduling
(flow 9) reads ``workflows.demand`` (Demand, DemandMatch, SchedulingRecord) when that app has them.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, TruncHour
from django.utils import timezone

from ..models import ApiRequestStat, AppServiceSample, Granularity, MetricValue, RollupCursor
from .periods import day_start, hour_start, local_zone, period_end

COLLECTOR_CURSOR = "collectors"
BACKFILL_DAYS = 35  # the first run looks this far back
LATE_HOURS = 2  # later runs recompute the last hours again, for late writes
RESOLVE_ROUTE = "v1:identifier-resolve"

Row = tuple[datetime.datetime, dict, float, int]


@dataclass(frozen=True)
class Collector:
    family: str
    name: str
    collect: Callable[[datetime.datetime, datetime.datetime], Iterator[Row]]
    label: str = ""


def _hour(field: str):
    return TruncHour(field, tzinfo=local_zone())


def _counts(queryset, field: str, start, end, **dimensions) -> Iterator[Row]:
    """Count rows per local hour of ``field`` and the given dimension expressions."""
    rows = (
        queryset.filter(**{f"{field}__gte": start, f"{field}__lt": end})
        .annotate(h=_hour(field), **{f"dim_{key}": value for key, value in dimensions.items()})
        .values("h", *(f"dim_{key}" for key in dimensions))
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        dims = {key: row[f"dim_{key}"] or "" for key in dimensions}
        yield hour_start(row["h"]), dims, float(row["n"]), row["n"]


# --- flow 8: platform business ------------------------------------------------------------------


def _organizations(start, end):
    from organizations.models import Organization

    return _counts(Organization.objects.all(), "created_at", start, end, province_code=F("province_id"))


def _users(start, end):
    from organizations.models import User

    return _counts(
        User.objects.all(),
        "date_joined",
        start,
        end,
        province_code=Coalesce("organization__province_id", "authority__division_id"),
    )


def _providers_applied(start, end):
    from catalog.models import Provider

    return _counts(Provider.objects.all(), "created_at", start, end, province_code=F("organization__province_id"))


def _providers_certified(start, end):
    from catalog.models import Provider

    return _counts(
        Provider.objects.filter(certified_at__isnull=False),
        "certified_at",
        start,
        end,
        province_code=F("organization__province_id"),
    )


def _certification_seconds(start, end):
    from catalog.models import Provider

    sums: dict = defaultdict(lambda: [0.0, 0])
    rows = Provider.objects.filter(certified_at__gte=start, certified_at__lt=end).values_list(
        "certified_at", "created_at", "organization__province_id"
    )
    for certified_at, created_at, province in rows:
        entry = sums[(hour_start(certified_at), province or "")]
        entry[0] += max(0.0, (certified_at - created_at).total_seconds())
        entry[1] += 1
    for (hour, province), (total, count) in sums.items():
        yield hour, {"province_code": province}, total, count


IDENTIFIER_PROVINCE = Coalesce(
    "resource__province_code", "line__to_site__province_id", "app_service__provider__organization__province_id"
)


def _identifiers_issued(start, end):
    from catalog.models import Identifier

    return _counts(Identifier.objects.all(), "issued_at", start, end, province_code=IDENTIFIER_PROVINCE)


def _identifiers_filed(start, end):
    from catalog.models import Identifier

    return _counts(
        Identifier.objects.filter(filed_at__isnull=False), "filed_at", start, end, province_code=IDENTIFIER_PROVINCE
    )


def _api(start, end, *, condition: Q | None = None, seconds: bool = False):
    rows = (
        ApiRequestStat.objects.filter(condition or Q(), hour__gte=start, hour__lt=end)
        .values("hour")
        .annotate(n=Sum("count"), s=Sum("total_seconds"))
        .order_by()
    )
    for row in rows:
        yield hour_start(row["hour"]), {}, float(row["s"] if seconds else row["n"]), row["n"]


# --- flow 9: scheduling business (workflows.demand) --------------------------------------------


def _demand_model(name: str):
    try:
        return apps.get_model("demand", name)
    except LookupError:
        return None


def scheduling_available() -> bool:
    """Flow 9 is collected once workflows.demand has its models and their tables."""
    from django.db import connection

    models = [_demand_model(name) for name in ("Demand", "DemandMatch", "SchedulingRecord")]
    if any(model is None for model in models):
        return False
    tables = set(connection.introspection.table_names())
    return all(model._meta.db_table in tables for model in models)


def _demands(start, end):
    Demand = _demand_model("Demand")
    return _counts(Demand.objects.all(), "created_at", start, end, province_code=F("city__parent_id"))


def _matches_offered(start, end):
    return _counts(_demand_model("DemandMatch").objects.all(), "offered_at", start, end)


def _matches_accepted(start, end):
    match = _demand_model("DemandMatch")
    return _counts(match.objects.filter(accepted_at__isnull=False), "accepted_at", start, end)


def _scheduling(field: str, *, extra: Q | None = None):
    def collect(start, end):
        record = _demand_model("SchedulingRecord")
        return _counts(record.objects.filter(extra or Q()), field, start, end, provider_id=F("provider_id"))

    return collect


def _confirm_seconds(start, end):
    record = _demand_model("SchedulingRecord")
    sums: dict = defaultdict(lambda: [0.0, 0])
    rows = record.objects.filter(confirmed_at__gte=start, confirmed_at__lt=end, accepted_at__isnull=False).values_list(
        "confirmed_at", "accepted_at"
    )
    for confirmed_at, accepted_at in rows:
        entry = sums[hour_start(confirmed_at)]
        entry[0] += max(0.0, (confirmed_at - accepted_at).total_seconds())
        entry[1] += 1
    for hour, (total, count) in sums.items():
        yield hour, {}, total, count


def _orders(field: str, *, state: str | None = None):
    """Orders (orders app) per hour of ``field``: what the market really committed, by provider."""

    def collect(start, end):
        from orders.models import Order

        queryset = Order.objects.filter(state=state) if state else Order.objects.all()
        return _counts(queryset, field, start, end, provider_id=F("provider_id"))

    return collect


def _holds_expired(start, end):
    from orders.models import Hold, HoldState

    return _counts(Hold.objects.filter(state=HoldState.EXPIRED), "ended_at", start, end)


# --- flow 10: application business -------------------------------------------------------------


def _usage(field: str):
    """What buyers consumed (orders.UsageRecord pushed by providers), per hour of the record's end."""

    def collect(start, end):
        from orders.models import UsageRecord

        rows = (
            UsageRecord.objects.filter(ended_at__gte=start, ended_at__lt=end)
            .annotate(h=_hour("ended_at"), province=F("resource__province_code"))
            .values("h", "provider_id", "province")
            .annotate(v=Sum(field), n=Count("pk"))
            .order_by()
        )
        for row in rows:
            dims = {"province_code": row["province"] or "", "provider_id": row["provider_id"]}
            yield hour_start(row["h"]), dims, float(row["v"] or 0), row["n"]

    return collect


def _app_services_new(start, end):
    from catalog.models import AppService

    return _counts(
        AppService.objects.all(), "created_at", start, end, province_code=F("provider__organization__province_id")
    )


def _app_use(field: str):
    def collect(start, end):
        rows = (
            AppServiceSample.objects.filter(hour__gte=start, hour__lt=end)
            .values("hour", "province_code", "provider_id")
            .annotate(v=Sum(field), n=Count("pk"))
            .order_by()
        )
        for row in rows:
            yield (
                hour_start(row["hour"]),
                {"province_code": row["province_code"], "provider_id": row["provider_id"]},
                float(row["v"]),
                row["n"],
            )

    return collect


PLATFORM, SCHEDULING, APPLICATION = (
    MetricValue.Family.PLATFORM,
    MetricValue.Family.SCHEDULING,
    MetricValue.Family.APPLICATION,
)
COLLECTORS: list[Collector] = [
    Collector(PLATFORM, "organizations_registered", _organizations),
    Collector(PLATFORM, "users_registered", _users),
    Collector(PLATFORM, "providers_applied", _providers_applied),
    Collector(PLATFORM, "providers_certified", _providers_certified),
    Collector(PLATFORM, "certification_seconds", _certification_seconds),
    Collector(PLATFORM, "identifiers_issued", _identifiers_issued),
    Collector(PLATFORM, "identifiers_filed", _identifiers_filed),
    Collector(PLATFORM, "identifier_resolutions", lambda s, e: _api(s, e, condition=Q(route=RESOLVE_ROUTE))),
    Collector(
        PLATFORM,
        "identifier_resolutions_ok",
        lambda s, e: _api(s, e, condition=Q(route=RESOLVE_ROUTE, status=200)),
    ),
    Collector(PLATFORM, "api_requests", _api),
    Collector(PLATFORM, "api_client_errors", lambda s, e: _api(s, e, condition=Q(status__gte=400, status__lt=500))),
    Collector(PLATFORM, "api_server_errors", lambda s, e: _api(s, e, condition=Q(status__gte=500))),
    Collector(PLATFORM, "api_latency_seconds", lambda s, e: _api(s, e, seconds=True)),
    Collector(APPLICATION, "app_services_new", _app_services_new),
    Collector(APPLICATION, "app_calls", _app_use("calls")),
    Collector(APPLICATION, "app_users", _app_use("users")),
    Collector(APPLICATION, "usage_card_hours", _usage("card_hours")),
    Collector(APPLICATION, "usage_amount_yuan", _usage("amount_yuan")),
]
SCHEDULING_COLLECTORS: list[Collector] = [
    Collector(SCHEDULING, "demands", _demands),
    Collector(SCHEDULING, "matches_offered", _matches_offered),
    Collector(SCHEDULING, "matches_accepted", _matches_accepted),
    Collector(SCHEDULING, "matches_confirmed", _scheduling("confirmed_at")),
    Collector(SCHEDULING, "matches_declined", _scheduling("declined_at")),
    Collector(
        SCHEDULING, "matches_confirmed_cross_province", _scheduling("confirmed_at", extra=Q(cross_province=True))
    ),
    Collector(SCHEDULING, "confirm_seconds", _confirm_seconds),
    Collector(SCHEDULING, "orders_confirmed", _orders("created_at")),
    Collector(SCHEDULING, "orders_activated", _orders("activated_at")),
    Collector(SCHEDULING, "orders_cancelled", _orders("ended_at", state="cancelled")),
    Collector(SCHEDULING, "holds_expired", _holds_expired),
]


def active_collectors() -> list[Collector]:
    return COLLECTORS + (SCHEDULING_COLLECTORS if scheduling_available() else [])


def _value(family, name, granularity, period, dims, total, count) -> MetricValue:
    return MetricValue(
        family=family,
        name=name,
        granularity=granularity,
        period_start=period,
        province_code=dims.get("province_code", "") or "",
        resource_class=dims.get("resource_class", "") or "",
        provider_id=dims.get("provider_id") or None,
        total=total,
        count=count,
    )


@transaction.atomic
def metrics_collect(*, start: datetime.datetime, end: datetime.datetime) -> int:
    """Recompute the hour rows of every collector for the local hours in [start, end), then the days
    those hours belong to (sums of their hours). Returns the number of rows written."""
    start, end = hour_start(start), hour_start(end - datetime.timedelta(microseconds=1)) + datetime.timedelta(hours=1)
    collectors = active_collectors()
    names = [collector.name for collector in collectors]
    MetricValue.objects.filter(
        granularity=Granularity.HOUR, name__in=names, period_start__gte=start, period_start__lt=end
    ).delete()
    hour_rows = []
    for collector in collectors:
        for hour, dims, total, count in collector.collect(start, end):
            hour_rows.append(_value(collector.family, collector.name, Granularity.HOUR, hour, dims, total, count))
    MetricValue.objects.bulk_create(hour_rows, batch_size=2000)
    day, written = day_start(start), len(hour_rows)
    while day < end:
        day_end = period_end(day, Granularity.DAY)
        MetricValue.objects.filter(granularity=Granularity.DAY, name__in=names, period_start=day).delete()
        sums = (
            MetricValue.objects.filter(
                granularity=Granularity.HOUR, name__in=names, period_start__gte=day, period_start__lt=day_end
            )
            .values("family", "name", "province_code", "resource_class", "provider_id")
            .annotate(t=Sum("total"), n=Sum("count"))
            .order_by()
        )
        day_rows = [_value(row["family"], row["name"], Granularity.DAY, day, row, row["t"], row["n"]) for row in sums]
        MetricValue.objects.bulk_create(day_rows, batch_size=2000)
        written += len(day_rows)
        day = day_end
    return written


def metrics_collect_incremental(*, now: datetime.datetime | None = None) -> int:
    """From the last collected hour (less LATE_HOURS) to now; the first run backfills BACKFILL_DAYS."""
    now = now or timezone.now()
    with transaction.atomic():
        cursor, _ = RollupCursor.objects.get_or_create(name=COLLECTOR_CURSOR)
        cursor = RollupCursor.objects.select_for_update().get(pk=cursor.pk)
        since = (
            cursor.moment - datetime.timedelta(hours=LATE_HOURS)
            if cursor.moment
            else now - datetime.timedelta(days=BACKFILL_DAYS)
        )
        written = metrics_collect(start=since, end=now)
        cursor.moment = hour_start(now)
        cursor.save(update_fields=["moment", "updated_at"])
    return written
