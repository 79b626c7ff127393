"""Incremental roll-ups: resource samples → hourly and daily rows (Asia/Shanghai), and retention.

Every write of samples queues, in the same transaction, what its inserted rows add to each
(resource, hour) bucket (``ResourceRollupPending``: counts, sums, minimum). ``resource_rollup``
takes the queue in steps and adds each step to the hourly and daily rows with one upsert each,
then deletes the entries it read, in one transaction: it reads no raw sample, so a pass costs what
was queued, not what is stored. A late sample for an old hour is added to that hour. An entry
committed late (after one with a higher id, possible on PostgreSQL) is simply read by a later pass.
``resource_rollup_rebuild`` recomputes from the raw samples instead.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import Count, Min
from django.utils import timezone

from catalog.models import ComputeResource, RecordState

from ..models import (
    BUCKET_SUMS,
    ApiRequestStat,
    AppServiceSample,
    Granularity,
    MetricValue,
    ResourceRollup,
    ResourceRollupPending,
    ResourceSample,
    RollupCursor,
)
from .periods import day_start, hour_start, period_end

RESOURCE_CURSOR = "resource_samples"  # the roll-up's lock row; ``position``: the last queue entry read
CHUNK_BUCKETS = 20_000  # queue entries read per step
CHUNK_HOURS = 48  # hours recomputed per query by the rebuild
ONLINE = RecordState.ONLINE.value


@dataclass(frozen=True)
class RollupResult:
    samples: int
    hours: int
    days: int


def _cursor(name: str) -> RollupCursor:
    cursor, _ = RollupCursor.objects.get_or_create(name=name)
    return RollupCursor.objects.select_for_update().get(pk=cursor.pk)


# The roll-up rows' columns, in the order of the upserts below: each step, and the rebuild, is one
# INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE per chunk, so that no sample or row travels
# through Python (SQLite ≥ 3.24 and PostgreSQL share this SQL). Provider, province, class and the
# per-card figures are the resource's as they are when rolled up.
TARGET = [
    "granularity",
    "period_start",
    "resource_id",
    "provider_id",
    "province_code",
    "resource_class",
    *BUCKET_SUMS,
    "fp16_tflops_per_card",
    "fp32_tflops_per_card",
    "fp64_tflops_per_card",
]
HOUR_SELECT = """
SELECT %s, s.hour, s.resource_id, r.provider_id, r.province_code, r.resource_class,
       COUNT(*), SUM(CASE WHEN s.state = %s THEN 1 ELSE 0 END), SUM(CASE WHEN s.state_changed THEN 1 ELSE 0 END),
       SUM(s.installed_cards), SUM(s.available_cards), MIN(s.available_cards),
       COALESCE(SUM(s.utilisation_percent), 0), COUNT(s.utilisation_percent),
       COALESCE(r.fp16_tflops_per_card, 0), COALESCE(r.fp32_tflops_per_card, 0), COALESCE(r.fp64_tflops_per_card, 0)
  FROM {samples} s JOIN {resources} r ON r.id = s.resource_id
 WHERE s.resource_id IN ({ids}) AND s.sampled_at >= %s AND s.sampled_at < %s AND s.hour IN ({hours})
 GROUP BY s.resource_id, s.hour, r.provider_id, r.province_code, r.resource_class,
          r.fp16_tflops_per_card, r.fp32_tflops_per_card, r.fp64_tflops_per_card"""
DAY_SELECT = """
SELECT %s, %s, h.resource_id, MAX(h.provider_id), MAX(h.province_code), MAX(h.resource_class),
       SUM(h.samples), SUM(h.online_samples), SUM(h.state_changes),
       SUM(h.installed_cards_sum), SUM(h.available_cards_sum), MIN(h.available_cards_min),
       SUM(h.utilisation_sum), SUM(h.utilisation_samples),
       MAX(h.fp16_tflops_per_card), MAX(h.fp32_tflops_per_card), MAX(h.fp64_tflops_per_card)
  FROM {rollups} h
 WHERE h.granularity = %s AND h.period_start >= %s AND h.period_start < %s AND h.resource_id IN ({ids})
 GROUP BY h.resource_id"""
IDS_PER_STATEMENT = 900


QUEUED_SELECT = """
SELECT %s, p.{period}, p.resource_id, r.provider_id, r.province_code, r.resource_class,
       SUM(p.samples), SUM(p.online_samples), SUM(p.state_changes), SUM(p.installed_cards_sum),
       SUM(p.available_cards_sum), MIN(p.available_cards_min), SUM(p.utilisation_sum), SUM(p.utilisation_samples),
       COALESCE(r.fp16_tflops_per_card, 0), COALESCE(r.fp32_tflops_per_card, 0), COALESCE(r.fp64_tflops_per_card, 0)
  FROM {pending} p JOIN {resources} r ON r.id = p.resource_id
 WHERE p.id IN ({ids})
 GROUP BY p.resource_id, p.{period}, r.provider_id, r.province_code, r.resource_class,
          r.fp16_tflops_per_card, r.fp32_tflops_per_card, r.fp64_tflops_per_card"""
SUMS = set(BUCKET_SUMS)  # the columns a queue entry adds to (its minimum is kept as a minimum)


def _upsert_select(select: str, params: list, *, add: bool = False, **lists: int) -> None:
    """``INSERT INTO`` the roll-up table what ``select`` yields. A row of the same bucket is replaced,
    or with ``add`` has the sums added (and the lower minimum kept); dimensions and per-card figures
    are always taken as they come. ``lists`` are the lengths of the ``IN (…)`` lists in ``select``."""
    connection = connections[router.db_for_write(ResourceRollup)]
    quote = connection.ops.quote_name
    table = quote(ResourceRollup._meta.db_table)
    columns = {name: quote(ResourceRollup._meta.get_field(name.removesuffix("_id")).column) for name in TARGET}
    key = ("resource_id", "granularity", "period_start")

    def update(name: str) -> str:
        column, current = columns[name], f"{table}.{columns[name]}"
        if add and name == "available_cards_min":
            return f"{column} = CASE WHEN excluded.{column} < {current} THEN excluded.{column} ELSE {current} END"
        if add and name in SUMS:
            return f"{column} = {current} + excluded.{column}"
        return f"{column} = excluded.{column}"

    sql = "INSERT INTO {table} ({columns}) {select} ON CONFLICT ({key}) DO UPDATE SET {updates}".format(
        table=table,
        columns=", ".join(columns.values()),
        select=select.format(
            samples=quote(ResourceSample._meta.db_table),
            resources=quote(ComputeResource._meta.db_table),
            rollups=table,
            pending=quote(ResourceRollupPending._meta.db_table),
            **lists,
        ),
        key=", ".join(columns[name] for name in key),
        updates=", ".join(update(name) for name in TARGET if name not in key),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _in(length: int) -> str:
    return ", ".join(["%s"] * length)


def _adapt(moment: datetime.datetime):
    return connections[router.db_for_write(ResourceSample)].ops.adapt_datetimefield_value(moment)


def _roll_up_hours(hours: list[datetime.datetime], resource_ids: set[int]) -> None:
    """Recompute the hourly rows of ``resource_ids`` × ``hours`` from the raw samples, read through
    the (resource, sampled_at) index."""
    ids = sorted(resource_ids)
    for index in range(0, len(ids), IDS_PER_STATEMENT):
        chunk = ids[index : index + IDS_PER_STATEMENT]
        params = [
            Granularity.HOUR.value,
            ONLINE,
            *chunk,
            _adapt(min(hours)),
            _adapt(max(hours) + datetime.timedelta(hours=1)),
            *(_adapt(hour) for hour in hours),
        ]
        _upsert_select(HOUR_SELECT, params, ids=_in(len(chunk)), hours=_in(len(hours)))


def _roll_up_day(day: datetime.datetime, resource_ids: set[int]) -> None:
    """Recompute the daily rows of ``resource_ids`` for ``day`` from their hourly rows."""
    ids = sorted(resource_ids)
    for index in range(0, len(ids), IDS_PER_STATEMENT):
        chunk = ids[index : index + IDS_PER_STATEMENT]
        params = [
            Granularity.DAY.value,
            _adapt(day),
            Granularity.HOUR.value,
            _adapt(day),
            _adapt(period_end(day, Granularity.DAY)),
            *chunk,
        ]
        _upsert_select(DAY_SELECT, params, ids=_in(len(chunk)))


def _rollup_step() -> RollupResult | None:
    """One step: up to CHUNK_BUCKETS queue entries added to the hourly and daily rows (in SQL, grouped
    by bucket) and removed; None when the queue is empty."""
    connection = connections[router.db_for_write(ResourceRollupPending)]
    pending = connection.ops.quote_name(ResourceRollupPending._meta.db_table)
    with transaction.atomic():
        lock = _cursor(RESOURCE_CURSOR)  # one roll-up at a time (the row lock; SQLite's write lock)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, hour, day, samples FROM {pending} ORDER BY id LIMIT %s", [CHUNK_BUCKETS])
            entries = cursor.fetchall()
        if not entries:
            return None
        ids = [entry[0] for entry in entries]
        for index in range(0, len(ids), IDS_PER_STATEMENT):
            chunk = ids[index : index + IDS_PER_STATEMENT]
            for granularity, period in ((Granularity.HOUR, "hour"), (Granularity.DAY, "day")):
                select = QUEUED_SELECT.replace("{period}", period)
                _upsert_select(select, [granularity.value, *chunk], add=True, ids=_in(len(chunk)))
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {pending} WHERE id IN ({_in(len(chunk))})", chunk)
        lock.position = max(lock.position, max(ids))
        lock.save(update_fields=["position", "updated_at"])
        return RollupResult(
            sum(entry[3] for entry in entries),
            len({entry[1] for entry in entries}),
            len({entry[2] for entry in entries}),
        )


def resource_rollup() -> RollupResult:
    """Add every queued sum to the hourly and daily rows (in steps of CHUNK_BUCKETS queue entries)."""
    totals = [0, 0, 0]
    while (step := _rollup_step()) is not None:
        totals = [total + part for total, part in zip(totals, (step.samples, step.hours, step.days), strict=True)]
    if totals[0]:
        from ..tiles import tiles_changed_append

        tiles_changed_append()  # today's measured utilisation may have moved (every scope)
    return RollupResult(*totals)


def resource_rollup_rebuild() -> RollupResult:
    """Recompute the hourly rows of every hour that has raw samples, and the days they belong to, from
    the samples themselves (after a restore or a correction); periods whose raw samples were pruned
    keep their rows. Run it while nothing is being ingested: queued sums are dropped, being counted."""
    with transaction.atomic():
        _cursor(RESOURCE_CURSOR)
        ResourceRollupPending.objects.all().delete()
        by_hour: dict = defaultdict(set)
        total = 0
        for resource_id, hour, count in (
            ResourceSample.objects.values_list("resource_id", "hour").annotate(n=Count("pk")).order_by().iterator()
        ):
            by_hour[hour].add(resource_id)
            total += count
        hours = sorted(by_hour)
        for index in range(0, len(hours), CHUNK_HOURS):
            chunk = hours[index : index + CHUNK_HOURS]
            _roll_up_hours(chunk, set().union(*(by_hour[hour] for hour in chunk)))
        by_day: dict = defaultdict(set)
        for hour, resource_ids in by_hour.items():
            by_day[day_start(hour)].update(resource_ids)
        for day, resource_ids in by_day.items():
            _roll_up_day(day, resource_ids)
    return RollupResult(total, len(hours), len(by_day))


def resource_rollup_backlog() -> tuple[int, datetime.datetime | None]:
    """How many queue entries wait for the roll-up, and since when the oldest waits."""
    found = ResourceRollupPending.objects.aggregate(n=Count("pk"), oldest=Min("created_at"))
    return found["n"], found["oldest"]


def metrics_prune(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Delete what is older than the configured retention (raw samples by whole hours)."""
    now = now or timezone.now()
    deleted: dict[str, int] = {}
    raw_cutoff = now - datetime.timedelta(days=settings.METRICS_RAW_RETENTION_DAYS)
    hourly_cutoff = now - datetime.timedelta(days=settings.METRICS_HOURLY_RETENTION_DAYS)
    collected = RollupCursor.objects.filter(name="collectors").values_list("moment", flat=True).first()
    with transaction.atomic():
        # Whole hours only, so that a rebuild never recomputes an hour from part of its samples. (The
        # incremental roll-up reads queued sums, never raw samples: pruning does not wait for it.)
        old_samples = ResourceSample.objects.filter(sampled_at__lt=hour_start(raw_cutoff))
        deleted["resource_samples"] = old_samples.delete()[0]
        app_cutoff = min(raw_cutoff, collected) if collected else None
        deleted["app_samples"] = (
            AppServiceSample.objects.filter(sampled_at__lt=app_cutoff).delete()[0] if app_cutoff else 0
        )
        deleted["api_request_stats"] = (
            ApiRequestStat.objects.filter(hour__lt=app_cutoff).delete()[0] if app_cutoff else 0
        )
        deleted["hourly_rollups"] = ResourceRollup.objects.filter(
            granularity=Granularity.HOUR, period_start__lt=hourly_cutoff
        ).delete()[0]
        deleted["hourly_values"] = MetricValue.objects.filter(
            granularity=Granularity.HOUR, period_start__lt=hourly_cutoff
        ).delete()[0]
        if settings.METRICS_DAILY_RETENTION_DAYS:
            daily_cutoff = now - datetime.timedelta(days=settings.METRICS_DAILY_RETENTION_DAYS)
            deleted["daily_rollups"] = ResourceRollup.objects.filter(
                granularity=Granularity.DAY, period_start__lt=daily_cutoff
            ).delete()[0]
            deleted["daily_values"] = MetricValue.objects.filter(
                granularity=Granularity.DAY, period_start__lt=daily_cutoff
            ).delete()[0]
    return deleted
