"""Reads of the metrics: series over time and breakdowns by province / class / provider, for the
dashboards, their JSON API and the reports. Every read takes a ``MetricScope`` (period, filters and
the viewer's jurisdiction)."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, F, FloatField, Q, Sum
from django.db.models.functions import Cast

from ..models import Granularity, MetricValue, ResourceRollup

GROUPS = {"province": "province_code", "class": "resource_class", "provider": "provider_id"}


@dataclass(frozen=True)
class MetricScope:
    granularity: str
    start: datetime.datetime
    end: datetime.datetime
    province_code: str = ""
    resource_class: str = ""
    provider_id: int | None = None
    # The viewer's jurisdiction: "" (everything), or the code prefix of their authority. Rows
    # without a province (node-wide figures) are outside every prefix.
    jurisdiction_prefix: str = ""

    def q(self, *, with_class: bool = True) -> Q:
        query = Q(granularity=self.granularity, period_start__gte=self.start, period_start__lt=self.end)
        if self.province_code:
            query &= Q(province_code=self.province_code)
        if self.resource_class and with_class:
            query &= Q(resource_class=self.resource_class)
        if self.provider_id:
            query &= Q(provider_id=self.provider_id)
        if self.jurisdiction_prefix:
            query &= Q(province_code__startswith=self.jurisdiction_prefix)
        return query


def _per_resource(field: str):
    return Cast(F(field), FloatField()) / F("samples")


def _capacity(expression_field: str, figure: str):
    return Cast(F(expression_field), FloatField()) / F("samples") * F(figure) / 1000.0


RESOURCE_AGGREGATES = {
    "resources": Count("resource_id", distinct=True),
    "installed_cards": Sum(_per_resource("installed_cards_sum")),
    "available_cards": Sum(_per_resource("available_cards_sum")),
    "samples": Sum("samples"),
    "online_samples": Sum("online_samples"),
    "state_changes": Sum("state_changes"),
    "utilisation_sum": Sum("utilisation_sum"),
    "utilisation_samples": Sum("utilisation_samples"),
    "installed_fp16_pflops": Sum(_capacity("installed_cards_sum", "fp16_tflops_per_card")),
    "installed_fp32_pflops": Sum(_capacity("installed_cards_sum", "fp32_tflops_per_card")),
    "installed_fp64_pflops": Sum(_capacity("installed_cards_sum", "fp64_tflops_per_card")),
    "available_fp16_pflops": Sum(_capacity("available_cards_sum", "fp16_tflops_per_card")),
    "available_fp32_pflops": Sum(_capacity("available_cards_sum", "fp32_tflops_per_card")),
    "available_fp64_pflops": Sum(_capacity("available_cards_sum", "fp64_tflops_per_card")),
}
CAPACITY_FIELDS = (
    "resources",
    "installed_cards",
    "available_cards",
    "installed_fp16_pflops",
    "installed_fp32_pflops",
    "installed_fp64_pflops",
    "available_fp16_pflops",
    "available_fp32_pflops",
    "available_fp64_pflops",
)
SUM_FIELDS = ("samples", "online_samples", "state_changes", "utilisation_sum", "utilisation_samples")


def _aggregates(names) -> dict:
    """The aggregates under "agg_" names: several share a name with a model field (F() would see the alias)."""
    return {f"agg_{name}": RESOURCE_AGGREGATES[name] for name in names}


def _finish(row: dict) -> dict:
    """Derived ratios of one aggregated row (percentages, rounded for display and export)."""
    for name in [key for key in row if key.startswith("agg_")]:
        row[name[4:]] = row.pop(name)
    samples = row.get("samples") or 0
    row["online_rate_percent"] = round(100.0 * row["online_samples"] / samples, 2) if samples else None
    util_n = row.get("utilisation_samples") or 0
    row["utilisation_percent"] = round(row["utilisation_sum"] / util_n, 2) if util_n else None
    for name in CAPACITY_FIELDS:
        if row.get(name) is not None and name != "resources":
            row[name] = round(row[name], 4)
    return row


def resource_series(*, scope: MetricScope, group: str | None = None) -> list[dict]:
    """Per period (and group): resources, capacity (cards, PFLOPS), utilisation, online rate, state changes."""
    keys = ["period_start"] + ([GROUPS[group]] if group else [])
    rows = (
        ResourceRollup.objects.filter(scope.q())
        .values(*keys)
        .annotate(**_aggregates(RESOURCE_AGGREGATES))
        .order_by(*keys)
    )
    result = []
    for row in rows:
        row = dict(row)
        if group:
            row["key"] = row.pop(GROUPS[group])
        result.append(_finish(row))
    return result


def resource_breakdown(*, scope: MetricScope, group: str) -> list[dict]:
    """By province, class or provider over the whole window: capacity averaged over the periods that
    have data, counts summed, ratios from the sums."""
    totals: dict = defaultdict(lambda: defaultdict(float))
    periods: dict = defaultdict(int)
    for row in resource_series(scope=scope, group=group):
        entry = totals[row["key"]]
        periods[row["key"]] += 1
        for name in CAPACITY_FIELDS + SUM_FIELDS:
            entry[name] += row.get(name) or 0
    result = []
    for key in sorted(totals, key=lambda k: str(k)):
        entry, n = dict(totals[key]), periods[key]
        for name in CAPACITY_FIELDS:
            entry[name] = entry[name] / n
        entry["key"] = key
        result.append(_finish(entry))
    return result


def resource_rows(*, scope: MetricScope, period_start: datetime.datetime | None = None, **match) -> list[dict]:
    """The per-resource roll-up rows behind a point of a chart (drill-down)."""
    query = ResourceRollup.objects.filter(scope.q(), **match)
    if period_start is not None:
        query = query.filter(period_start=period_start)
    rows = (
        query.values(
            "resource_id",
            "resource__name",
            "resource__identifier__code",
            "provider__organization__name",
            "province_code",
            "resource_class",
        )
        .annotate(**_aggregates(CAPACITY_FIELDS[1:] + SUM_FIELDS))
        .order_by("resource__name")
    )
    return [_finish(dict(row)) for row in rows]


def metric_totals(
    *, scope: MetricScope, names: list[str], group: str | None = None
) -> dict[tuple, dict[str, tuple[float, int]]]:
    """{(period_start or group key): {name: (total, count)}} of MetricValue rows in scope."""
    key_field = GROUPS[group] if group else "period_start"
    query = MetricValue.objects.filter(scope.q(with_class=False), name__in=names)
    rows = query.values(key_field, "name").annotate(t=Sum("total"), n=Sum("count")).order_by(key_field)
    result: dict = defaultdict(dict)
    for row in rows:
        result[row[key_field]][row["name"]] = (row["t"] or 0.0, row["n"] or 0)
    return dict(result)


def metric_sum(*, scope: MetricScope, name: str) -> tuple[float, int]:
    row = MetricValue.objects.filter(scope.q(with_class=False), name=name).aggregate(t=Sum("total"), n=Sum("count"))
    return row["t"] or 0.0, row["n"] or 0


def day_scope(day: datetime.date, **kwargs) -> MetricScope:
    from .periods import day_start, period_end

    start = day_start(day)
    return MetricScope(granularity=Granularity.DAY, start=start, end=period_end(start, Granularity.DAY), **kwargs)
