"""Drill-down of the dashboards' charts: the records behind one point of a chart (a period or a group)."""

import datetime

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import selectors
from .charts import APPLICATION, PLATFORM, SCHEDULING, Chart
from .collectors import RESOLVE_ROUTE
from .periods import local_zone, period_end, period_start


def _window(scope, key: str) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.fromisoformat(key)
    if timezone.is_naive(start):
        start = start.replace(tzinfo=local_zone())
    start = period_start(start, scope.granularity)
    return start, period_end(start, scope.granularity)


def _in_scope(queryset, field: str, scope):
    if scope.jurisdiction_prefix:
        queryset = queryset.filter(**{f"{field}__startswith": scope.jurisdiction_prefix})
    if scope.province_code:
        queryset = queryset.filter(**{field: scope.province_code})
    return queryset


def _fmt(moment) -> str:
    return moment.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def drill(chart: Chart, scope: selectors.MetricScope, key: str) -> dict:
    """{"columns": [...], "rows": [[...]]}: the records behind the point ``key`` (a period start in ISO
    8601 or a group key). Raises ValueError for a malformed key."""
    if chart.source == "resource":
        if chart.group:
            match = {selectors.GROUPS[chart.group]: int(key) if chart.group == "provider" else key}
            rows = selectors.resource_rows(scope=scope, **match)
        else:
            rows = selectors.resource_rows(scope=scope, period_start=_window(scope, key)[0])
        columns = [_("算力资源"), _("算力标识"), _("服务商"), _("省份"), _("类型"), _("装机卡"), _("可用卡")]
        columns += [_("利用率（%）"), _("在线率（%）"), _("状态变化")]
        table = [
            [
                row["resource__name"],
                row["resource__identifier__code"] or "",
                row["provider__organization__name"],
                row["province_code"],
                row["resource_class"],
                round(row["installed_cards"], 2),
                round(row["available_cards"], 2),
                row["utilisation_percent"],
                row["online_rate_percent"],
                row["state_changes"],
            ]
            for row in rows
        ]
        return {"columns": [str(c) for c in columns], "rows": table}
    start, end = _window(scope, key)
    return {"columns": [], "rows": []} | DRILLS[chart.family if chart.family != PLATFORM else chart.id](
        scope, start, end
    )


def _drill_registrations(scope, start, end) -> dict:
    from catalog.models import Provider
    from organizations.models import Organization

    rows = []
    for org in _in_scope(
        Organization.objects.filter(created_at__gte=start, created_at__lt=end), "province__code", scope
    ):
        rows.append([str(_("单位注册")), org.name, org.province_id, _fmt(org.created_at)])
    providers = _in_scope(Provider.objects.all(), "organization__province__code", scope).select_related("organization")
    for provider in providers.filter(created_at__gte=start, created_at__lt=end):
        org = provider.organization
        rows.append([str(_("服务商申请入网")), org.name, org.province_id, _fmt(provider.created_at)])
    for provider in providers.filter(certified_at__gte=start, certified_at__lt=end):
        org = provider.organization
        rows.append([str(_("服务商通过认证")), org.name, org.province_id, _fmt(provider.certified_at)])
    return {"columns": [str(_("事项")), str(_("单位")), str(_("省份")), str(_("时间"))], "rows": rows}


def _drill_certification(scope, start, end) -> dict:
    from catalog.models import Provider

    providers = _in_scope(Provider.objects.all(), "organization__province__code", scope).select_related("organization")
    rows = [
        [
            p.organization.name,
            _fmt(p.created_at),
            _fmt(p.certified_at),
            round((p.certified_at - p.created_at).total_seconds() / 3600, 2),
        ]
        for p in providers.filter(certified_at__gte=start, certified_at__lt=end)
    ]
    return {"columns": [str(_("服务商")), str(_("申请时间")), str(_("认证时间")), str(_("用时（小时）"))], "rows": rows}


def _drill_identifiers(scope, start, end) -> dict:
    from catalog.models import Identifier

    from .collectors import IDENTIFIER_PROVINCE

    identifiers = Identifier.objects.annotate(province=IDENTIFIER_PROVINCE)
    identifiers = _in_scope(identifiers, "province", scope)
    issued = identifiers.filter(issued_at__gte=start, issued_at__lt=end)
    filed = identifiers.filter(filed_at__gte=start, filed_at__lt=end)
    rows = [[i.code, str(_("发放")), i.get_state_display(), _fmt(i.issued_at)] for i in issued]
    rows += [[i.code, str(_("备案")), i.get_state_display(), _fmt(i.filed_at)] for i in filed]
    if not scope.jurisdiction_prefix:
        rows += _api_rows(start, end, route=RESOLVE_ROUTE, label=str(_("解析请求")))
    return {"columns": [str(_("算力标识/接口")), str(_("事项")), str(_("状态")), str(_("时间/次数"))], "rows": rows}


def _api_rows(start, end, *, route: str | None = None, label: str = "") -> list[list]:
    from ..models import ApiRequestStat

    stats = ApiRequestStat.objects.filter(hour__gte=start, hour__lt=end)
    if route:
        stats = stats.filter(route=route)
    grouped = stats.values("route", "method", "status").annotate(n=Sum("count")).order_by("route", "status")
    return [[row["route"], label or row["method"], row["status"], row["n"]] for row in grouped]


def _drill_api(scope, start, end) -> dict:
    return {
        "columns": [str(_("接口")), str(_("方法")), str(_("状态码")), str(_("请求数"))],
        "rows": _api_rows(start, end),
    }


def _drill_scheduling(scope, start, end) -> dict:
    from .collectors import _demand_model

    record = _demand_model("SchedulingRecord")
    if record is None:
        return {"columns": [], "rows": []}
    records = record.objects.filter(accepted_at__gte=start, accepted_at__lt=end)
    records = records.select_related("provider__organization")
    if scope.jurisdiction_prefix:
        records = records.filter(demand__city__code__startswith=scope.jurisdiction_prefix)
    rows = [
        [
            r.demand_id,
            r.provider_display,
            r.cards,
            str(_("是")) if r.cross_province else str(_("否")),
            r.get_status_display(),
            _fmt(r.accepted_at),
            _fmt(r.confirmed_at),
        ]
        for r in records
    ]
    columns = [_("需求"), _("服务商"), _("卡数"), _("跨省"), _("状态"), _("选择时间"), _("确认时间")]
    return {"columns": [str(c) for c in columns], "rows": rows}


def _drill_applications(scope, start, end) -> dict:
    from ..models import AppServiceSample

    samples = _in_scope(AppServiceSample.objects.filter(hour__gte=start, hour__lt=end), "province_code", scope)
    grouped = (
        samples.values("app_service__name", "provider__organization__name")
        .annotate(calls=Sum("calls"), users=Sum("users"), n=Count("pk"))
        .order_by("app_service__name")
    )
    rows = [
        [r["app_service__name"], r["provider__organization__name"], r["calls"], r["users"], r["n"]] for r in grouped
    ]
    columns = [_("应用服务"), _("服务商"), _("调用次数"), _("使用用户数"), _("采样数")]
    return {"columns": [str(c) for c in columns], "rows": rows}


DRILLS = {
    "registrations": _drill_registrations,
    "certification_duration": _drill_certification,
    "identifiers": _drill_identifiers,
    "resolution_rate": _drill_identifiers,
    "api": _drill_api,
    "api_latency": _drill_api,
    SCHEDULING: _drill_scheduling,
    APPLICATION: _drill_applications,
}
