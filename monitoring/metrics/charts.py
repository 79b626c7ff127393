"""The dashboards' charts as data: what each chart plots and its table (for export); the records behind
each of its points are in drills.py. Views and the JSON API only pick a chart and a scope."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from catalog.models import ResourceClass

from ..models import Granularity, MetricValue
from . import selectors
from .collectors import scheduling_available
from .periods import hours_between, local_zone, period_end, period_start

MAX_PERIODS = 24 * 62


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    value: Callable[[dict], float | None]


@dataclass(frozen=True)
class Chart:
    id: str
    family: str
    title: str
    series: tuple[Series, ...]
    source: str = "metric"  # "resource" (ResourceRollup) or "metric" (MetricValue)
    kind: str = "line"
    group: str | None = None  # a breakdown chart: x axis is province / class / provider
    unit: str = ""
    operators_only: bool = False
    metrics: tuple[str, ...] = field(default_factory=tuple)


def _field(name: str) -> Callable[[dict], float | None]:
    return lambda row: row.get(name)


def _total(name: str) -> Callable[[dict], float]:
    return lambda row: row.get(name, (0.0, 0))[0]


def _ratio(part: str, whole: str) -> Callable[[dict], float | None]:
    def value(row):
        denominator = row.get(whole, (0.0, 0))[0]
        return round(100.0 * row.get(part, (0.0, 0))[0] / denominator, 2) if denominator else None

    return value


def _average(name: str, divisor: float) -> Callable[[dict], float | None]:
    def value(row):
        total, count = row.get(name, (0.0, 0))
        return round(total / count / divisor, 3) if count else None

    return value


RESOURCE, PLATFORM, SCHEDULING, APPLICATION = (
    MetricValue.Family.RESOURCE,
    MetricValue.Family.PLATFORM,
    MetricValue.Family.SCHEDULING,
    MetricValue.Family.APPLICATION,
)
CARDS = (
    Series("installed_cards", _("装机加速卡（张）"), _field("installed_cards")),
    Series("available_cards", _("可用加速卡（张）"), _field("available_cards")),
)
CHARTS: list[Chart] = [
    Chart("capacity_cards", RESOURCE, _("算力规模：加速卡"), CARDS, source="resource", unit=_("张")),
    Chart(
        "capacity_pflops",
        RESOURCE,
        _("算力规模：峰值算力（PFLOPS）"),
        (
            Series("installed_fp16_pflops", _("装机 FP16"), _field("installed_fp16_pflops")),
            Series("installed_fp32_pflops", _("装机 FP32"), _field("installed_fp32_pflops")),
            Series("installed_fp64_pflops", _("装机 FP64"), _field("installed_fp64_pflops")),
            Series("available_fp16_pflops", _("可用 FP16"), _field("available_fp16_pflops")),
        ),
        source="resource",
        unit="PFLOPS",
    ),
    Chart(
        "utilisation",
        RESOURCE,
        _("利用率与在线率（%）"),
        (
            Series("utilisation_percent", _("利用率"), _field("utilisation_percent")),
            Series("online_rate_percent", _("在线率"), _field("online_rate_percent")),
        ),
        source="resource",
        unit="%",
    ),
    Chart(
        "state_changes",
        RESOURCE,
        _("运行状态变化（次）"),
        (Series("state_changes", _("状态变化"), _field("state_changes")),),
        source="resource",
        kind="bar",
    ),
    Chart("by_province", RESOURCE, _("按省份：加速卡"), CARDS, source="resource", kind="bar", group="province"),
    Chart("by_class", RESOURCE, _("按算力类型：加速卡"), CARDS, source="resource", kind="bar", group="class"),
    Chart("by_provider", RESOURCE, _("按服务商：加速卡"), CARDS, source="resource", kind="bar", group="provider"),
    Chart(
        "registrations",
        PLATFORM,
        _("注册与入网认证"),
        (
            Series("organizations_registered", _("新注册单位"), _total("organizations_registered")),
            Series("users_registered", _("新注册用户"), _total("users_registered")),
            Series("providers_applied", _("服务商申请入网"), _total("providers_applied")),
            Series("providers_certified", _("服务商通过认证"), _total("providers_certified")),
        ),
        kind="bar",
    ),
    Chart(
        "certification_duration",
        PLATFORM,
        _("入网认证平均用时（小时）"),
        (Series("certification_hours", _("平均用时"), _average("certification_seconds", 3600)),),
        unit=_("小时"),
    ),
    Chart(
        "identifiers",
        PLATFORM,
        _("算力标识：发放、备案、解析"),
        (
            Series("identifiers_issued", _("发放"), _total("identifiers_issued")),
            Series("identifiers_filed", _("备案"), _total("identifiers_filed")),
            Series("identifier_resolutions", _("解析请求"), _total("identifier_resolutions")),
            Series("identifier_resolutions_ok", _("解析成功"), _total("identifier_resolutions_ok")),
        ),
        kind="bar",
    ),
    Chart(
        "resolution_rate",
        PLATFORM,
        _("标识解析成功率（%）"),
        (
            Series(
                "resolution_success_percent",
                _("成功率"),
                _ratio("identifier_resolutions_ok", "identifier_resolutions"),
            ),
        ),
        unit="%",
        operators_only=True,
    ),
    Chart(
        "api",
        PLATFORM,
        _("标准接口：请求与错误"),
        (
            Series("api_requests", _("请求数"), _total("api_requests")),
            Series("api_client_errors", _("4xx 错误"), _total("api_client_errors")),
            Series("api_server_errors", _("5xx 错误"), _total("api_server_errors")),
        ),
        kind="bar",
        operators_only=True,
    ),
    Chart(
        "api_latency",
        PLATFORM,
        _("标准接口：平均耗时（毫秒）与错误率（%）"),
        (
            Series("api_latency_ms", _("平均耗时"), _average("api_latency_seconds", 0.001)),
            Series("api_error_percent", _("错误率"), _ratio("api_server_errors", "api_requests")),
        ),
        operators_only=True,
    ),
    Chart(
        "scheduling",
        SCHEDULING,
        _("算力需求与调度"),
        (
            Series("demands", _("新需求"), _total("demands")),
            Series("matches_offered", _("提供方案"), _total("matches_offered")),
            Series("matches_accepted", _("用户选择"), _total("matches_accepted")),
            Series("matches_confirmed", _("服务商确认"), _total("matches_confirmed")),
            Series("orders_confirmed", _("成交订单"), _total("orders_confirmed")),
            Series("orders_cancelled", _("取消订单"), _total("orders_cancelled")),
            Series("holds_expired", _("预留过期"), _total("holds_expired")),
        ),
        kind="bar",
    ),
    Chart(
        "scheduling_quality",
        SCHEDULING,
        _("调度确认用时（分钟）与跨省占比（%）"),
        (
            Series("confirm_minutes", _("平均确认用时"), _average("confirm_seconds", 60)),
            Series(
                "cross_province_percent",
                _("跨省调度占比"),
                _ratio("matches_confirmed_cross_province", "matches_confirmed"),
            ),
        ),
    ),
    Chart(
        "applications",
        APPLICATION,
        _("应用服务：新上架、调用与用户"),
        (
            Series("app_services_new", _("新应用服务"), _total("app_services_new")),
            Series("app_calls", _("调用次数"), _total("app_calls")),
            Series("app_users", _("使用用户数"), _total("app_users")),
        ),
        kind="bar",
    ),
    Chart(
        "usage",
        APPLICATION,
        _("算力使用：卡时与费用（元）"),
        (
            Series("usage_card_hours", _("已用卡时"), _total("usage_card_hours")),
            Series("usage_amount_yuan", _("用量费用"), _total("usage_amount_yuan")),
        ),
        kind="bar",
    ),
]
CHARTS_BY_ID = {chart.id: chart for chart in CHARTS}
RESOLUTION_METRICS = {"resolution_rate": ("identifier_resolutions_ok", "identifier_resolutions")}


def _metric_names(chart: Chart) -> list[str]:
    names = {
        "registrations": ["organizations_registered", "users_registered", "providers_applied", "providers_certified"],
        "certification_duration": ["certification_seconds"],
        "identifiers": [
            "identifiers_issued",
            "identifiers_filed",
            "identifier_resolutions",
            "identifier_resolutions_ok",
        ],
        "resolution_rate": ["identifier_resolutions_ok", "identifier_resolutions"],
        "api": ["api_requests", "api_client_errors", "api_server_errors"],
        "api_latency": ["api_latency_seconds", "api_server_errors", "api_requests"],
        "scheduling": [
            "demands",
            "matches_offered",
            "matches_accepted",
            "matches_confirmed",
            "orders_confirmed",
            "orders_cancelled",
            "holds_expired",
        ],
        "scheduling_quality": ["confirm_seconds", "matches_confirmed_cross_province", "matches_confirmed"],
        "applications": ["app_services_new", "app_calls", "app_users"],
        "usage": ["usage_card_hours", "usage_amount_yuan"],
    }
    return names[chart.id]


def charts_for(*, operator: bool) -> list[Chart]:
    visible = [chart for chart in CHARTS if operator or not chart.operators_only]
    if not scheduling_available():
        visible = [chart for chart in visible if chart.family != SCHEDULING]
    return visible


def periods(scope: selectors.MetricScope) -> list[datetime.datetime]:
    if scope.granularity == Granularity.HOUR:
        return hours_between(scope.start, scope.end)[:MAX_PERIODS]
    found, current = [], period_start(scope.start, Granularity.DAY)
    while current < scope.end and len(found) < MAX_PERIODS:
        found.append(current)
        current = period_end(current, Granularity.DAY)
    return found


def period_label(moment: datetime.datetime, granularity: str) -> str:
    local = moment.astimezone(local_zone())
    return local.strftime("%Y-%m-%d %H:%M" if granularity == Granularity.HOUR else "%Y-%m-%d")


def group_labels(group: str, keys) -> dict:
    if group == "province":
        from organizations.models import Division

        return dict(Division.objects.filter(code__in=keys).values_list("code", "name_zh"))
    if group == "class":
        return {key: str(ResourceClass(key).label) if key in ResourceClass.values else key for key in keys}
    from catalog.models import Provider

    return dict(Provider.objects.filter(pk__in=keys).values_list("pk", "organization__name"))


def chart_data(chart: Chart, scope: selectors.MetricScope) -> dict:
    """Labels, keys (what a drill-down sends back) and one list of values per series."""
    if chart.group:
        rows = selectors.resource_breakdown(scope=scope, group=chart.group)
        names = group_labels(chart.group, [row["key"] for row in rows])
        keys = [row["key"] for row in rows]
        labels = [str(names.get(key, key)) for key in keys]
        values = {series.key: [series.value(row) for row in rows] for series in chart.series}
    else:
        moments = periods(scope)
        if chart.source == "resource":
            by_period = {row["period_start"]: row for row in selectors.resource_series(scope=scope)}
            empty: dict = {}
        else:
            by_period = selectors.metric_totals(scope=scope, names=_metric_names(chart))
            empty = {}
        by_period = {moment.astimezone(datetime.UTC): row for moment, row in by_period.items()}
        rows = [by_period.get(moment.astimezone(datetime.UTC), empty) for moment in moments]
        keys = [moment.isoformat() for moment in moments]
        labels = [period_label(moment, scope.granularity) for moment in moments]
        values = {
            series.key: [series.value(row) if (row or chart.source == "metric") else None for row in rows]
            for series in chart.series
        }
    return {
        "id": chart.id,
        "title": str(chart.title),
        "kind": chart.kind,
        "unit": str(chart.unit),
        "labels": labels,
        "keys": [str(key) for key in keys],
        "series": [{"key": s.key, "label": str(s.label), "values": values[s.key]} for s in chart.series],
    }


def chart_table(data: dict) -> tuple[list[str], list[list]]:
    """The chart's data as a table (first column the period or group) for CSV/XLSX export."""
    columns = [str(_("时段/分组"))] + [series["label"] for series in data["series"]]
    rows = [
        [label] + [series["values"][index] for series in data["series"]] for index, label in enumerate(data["labels"])
    ]
    return columns, rows
