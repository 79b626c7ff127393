"""Incremental roll-ups: resource samples → hourly → daily rows (Asia/Shanghai), and retention.

``resource_rollup`` reads only samples added since its cursor (the last sample id it saw), and
recomputes just the (resource, hour) buckets they fall in — a late sample for an old hour is
therefore counted too — then the days those hours belong to from the hourly rows.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from catalog.models import ComputeResource

from ..models import (
    ApiRequestStat,
    AppServiceSample,
    Granularity,
    MetricValue,
    ResourceRollup,
    ResourceSample,
    RollupCursor,
)
from .periods import day_start, period_end

RESOURCE_CURSOR = "resource_samples"
CHUNK_IDS = 200_000  # samples read per step
CHUNK_HOURS = 48  # hours aggregated per query


@dataclass(frozen=True)
class RollupResult:
    samples: int
    hours: int
    days: int


def _cursor(name: str) -> RollupCursor:
    cursor, _ = RollupCursor.objects.get_or_create(name=name)
    return RollupCursor.objects.select_for_update().get(pk=cursor.pk)


def _figures(resource_ids) -> dict[int, tuple[float, float, float]]:
    rows = ComputeResource.objects.filter(pk__in=resource_ids).values_list(
        "pk", "fp16_tflops_per_card", "fp32_tflops_per_card", "fp64_tflops_per_card"
    )
    return {pk: tuple(float(value or 0) for value in figures) for pk, *figures in rows}


def _hour_rows(hours: list, resource_ids: set) -> list[ResourceRollup]:
    aggregated = (
        ResourceSample.objects.filter(hour__in=hours, resource_id__in=resource_ids)
        .values("resource_id", "hour", "provider_id", "province_code", "resource_class")
        .annotate(
            n=Count("pk"),
            online=Count("pk", filter=Q(state="online")),
            changes=Count("pk", filter=Q(state_changed=True)),
            installed=Sum("installed_cards"),
            available=Sum("available_cards"),
            available_min=Min("available_cards"),
            util=Sum("utilisation_percent"),
            util_n=Count("utilisation_percent"),
        )
        .order_by()
    )
    figures = _figures(resource_ids)
    rows = []
    for row in aggregated:
        fp16, fp32, fp64 = figures.get(row["resource_id"], (0.0, 0.0, 0.0))
        rows.append(
            ResourceRollup(
                granularity=Granularity.HOUR,
                period_start=row["hour"],
                resource_id=row["resource_id"],
                provider_id=row["provider_id"],
                province_code=row["province_code"],
                resource_class=row["resource_class"],
                samples=row["n"],
                online_samples=row["online"],
                state_changes=row["changes"],
                installed_cards_sum=row["installed"] or 0,
                available_cards_sum=row["available"] or 0,
                available_cards_min=row["available_min"] or 0,
                utilisation_sum=row["util"] or 0.0,
                utilisation_samples=row["util_n"],
                fp16_tflops_per_card=fp16,
                fp32_tflops_per_card=fp32,
                fp64_tflops_per_card=fp64,
            )
        )
    return rows


def _replace(granularity: str, rows: list[ResourceRollup]) -> None:
    by_period: dict = defaultdict(set)
    for row in rows:
        by_period[row.period_start].add(row.resource_id)
    for period, resource_ids in by_period.items():
        ResourceRollup.objects.filter(
            granularity=granularity, period_start=period, resource_id__in=resource_ids
        ).delete()
    ResourceRollup.objects.bulk_create(rows, batch_size=2000)


def _day_rows(day: datetime.datetime, resource_ids: set) -> list[ResourceRollup]:
    aggregated = (
        ResourceRollup.objects.filter(
            granularity=Granularity.HOUR,
            period_start__gte=day,
            period_start__lt=period_end(day, Granularity.DAY),
            resource_id__in=resource_ids,
        )
        .values("resource_id", "provider_id", "province_code", "resource_class")
        .annotate(
            n=Sum("samples"),
            online=Sum("online_samples"),
            changes=Sum("state_changes"),
            installed=Sum("installed_cards_sum"),
            available=Sum("available_cards_sum"),
            available_min=Min("available_cards_min"),
            util=Sum("utilisation_sum"),
            util_n=Sum("utilisation_samples"),
            fp16=Max("fp16_tflops_per_card"),
            fp32=Max("fp32_tflops_per_card"),
            fp64=Max("fp64_tflops_per_card"),
        )
        .order_by()
    )
    return [
        ResourceRollup(
            granularity=Granularity.DAY,
            period_start=day,
            resource_id=row["resource_id"],
            provider_id=row["provider_id"],
            province_code=row["province_code"],
            resource_class=row["resource_class"],
            samples=row["n"],
            online_samples=row["online"],
            state_changes=row["changes"],
            installed_cards_sum=row["installed"],
            available_cards_sum=row["available"],
            available_cards_min=row["available_min"],
            utilisation_sum=row["util"],
            utilisation_samples=row["util_n"],
            fp16_tflops_per_card=row["fp16"],
            fp32_tflops_per_card=row["fp32"],
            fp64_tflops_per_card=row["fp64"],
        )
        for row in aggregated
    ]


def resource_rollup() -> RollupResult:
    """Roll up every sample added since the last run (in steps of CHUNK_IDS samples)."""
    totals = [0, 0, 0]
    while True:
        with transaction.atomic():
            cursor = _cursor(RESOURCE_CURSOR)
            ahead = ResourceSample.objects.filter(pk__gt=cursor.position).order_by("pk").values_list("pk", flat=True)
            step_end = list(ahead[CHUNK_IDS - 1 : CHUNK_IDS])
            last = step_end[0] if step_end else ResourceSample.objects.aggregate(m=Max("pk"))["m"]
            if last is None or last <= cursor.position:
                break
            fresh = ResourceSample.objects.filter(pk__gt=cursor.position, pk__lte=last)
            pairs = set(fresh.values_list("resource_id", "hour").distinct().order_by())
            by_hour: dict = defaultdict(set)
            for resource_id, hour in pairs:
                by_hour[hour].add(resource_id)
            hours = sorted(by_hour)
            for index in range(0, len(hours), CHUNK_HOURS):
                chunk = hours[index : index + CHUNK_HOURS]
                resource_ids = set().union(*(by_hour[hour] for hour in chunk))
                _replace(Granularity.HOUR, _hour_rows(chunk, resource_ids))
            days: dict = defaultdict(set)
            for resource_id, hour in pairs:
                days[day_start(hour)].add(resource_id)
            for day, resource_ids in days.items():
                _replace(Granularity.DAY, _day_rows(day, resource_ids))
            totals[0] += fresh.count()
            totals[1] += len(hours)
            totals[2] += len(days)
            cursor.position = last
            cursor.save(update_fields=["position", "updated_at"])
    return RollupResult(*totals)


def metrics_prune(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Delete what is older than the configured retention (raw samples only once rolled up)."""
    now = now or timezone.now()
    deleted: dict[str, int] = {}
    raw_cutoff = now - datetime.timedelta(days=settings.METRICS_RAW_RETENTION_DAYS)
    hourly_cutoff = now - datetime.timedelta(days=settings.METRICS_HOURLY_RETENTION_DAYS)
    rolled = RollupCursor.objects.filter(name=RESOURCE_CURSOR).values_list("position", flat=True).first() or 0
    collected = RollupCursor.objects.filter(name="collectors").values_list("moment", flat=True).first()
    with transaction.atomic():
        old_samples = ResourceSample.objects.filter(sampled_at__lt=raw_cutoff, pk__lte=rolled)
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
