"""Operation monitoring dashboards (system E) for node operators and the communications administration.

Operators see the whole node; a communications administration (regulatory view) sees the figures
of its jurisdiction only (rows of other provinces, and node-wide figures such as API traffic, are not
shown to a provincial regulator). Everyone else gets 404. Charts load from the JSON endpoints here;
headline tiles are pushed over the websocket ``ws/monitoring/tiles/`` whenever their figures change
(monitoring.tiles), and fall back to polling ``metrics_headline`` while the socket is down.
"""

import datetime
import io

from django import forms
from django.conf import settings
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import ComputeResource, Identifier, ListingState, Provider, RecordState, ResourceClass
from catalog.spreadsheets import SpreadsheetCSVWriter, spreadsheet_cell
from organizations.models import Division

from .metrics import charts, drills, selectors
from .metrics.collectors import IDENTIFIER_PROVINCE, _demand_model, scheduling_available
from .metrics.ingest import available_cards_from_units
from .metrics.periods import day_start, period_end
from .models import ApiRequestStat, Granularity
from .reports import national_aggregate

MAX_HOURLY_DAYS = 14
MAX_DAYS = 400
HEADLINE_POLL_SECONDS = 10  # the tiles' polling while their websocket is down
TILES_SOCKET_PATH = "/ws/monitoring/tiles/"


def metrics_viewer(user) -> tuple[bool, str] | None:
    """(is operator, jurisdiction prefix) of someone who may see the dashboards, else None.
    The pages and the tiles' websocket share it."""
    if not (user is not None and user.is_authenticated and user.has_perm("monitoring.view_metrics")):
        return None
    from organizations.predicates import is_node_operator

    if user.is_superuser or is_node_operator(user):
        return True, ""
    return False, user.authority.jurisdiction_prefix


def _viewer(request) -> tuple[bool, str]:
    """(is operator, jurisdiction prefix); 404 for anyone without the permission."""
    viewer = metrics_viewer(request.user)
    if viewer is None:
        raise Http404
    return viewer


class MetricFilterForm(forms.Form):
    granularity = forms.ChoiceField(label=gettext_lazy("粒度"), choices=Granularity.choices, initial=Granularity.DAY)
    date_from = forms.DateField(label=gettext_lazy("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=gettext_lazy("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))
    province = forms.ChoiceField(label=gettext_lazy("省份"), required=False)
    resource_class = forms.ChoiceField(
        label=gettext_lazy("算力类型"), required=False, choices=[("", "—")] + list(ResourceClass.choices)
    )
    provider = forms.ModelChoiceField(label=gettext_lazy("服务商"), required=False, queryset=Provider.objects.none())

    def __init__(self, *args, prefix_code: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        provinces = Division.objects.filter(level="province", code__startswith=prefix_code)
        self.fields["province"].choices = [("", "—")] + [(d.code, d.display_name) for d in provinces]
        providers = Provider.objects.select_related("organization").order_by("organization__name")
        if prefix_code:
            providers = providers.filter(organization__province__code__startswith=prefix_code)
        self.fields["provider"].queryset = providers

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if end < start:
                self.add_error("date_to", _("结束日期不能早于开始日期。"))
            limit = MAX_HOURLY_DAYS if data.get("granularity") == Granularity.HOUR else MAX_DAYS
            if (end - start).days + 1 > limit:
                self.add_error("date_to", _("按该粒度最多查询 %(n)s 天。") % {"n": limit})
        return data


def _defaults() -> dict:
    today = timezone.localdate()
    return {"granularity": Granularity.DAY, "date_from": today - datetime.timedelta(days=13), "date_to": today}


def _scope(request, prefix: str) -> tuple[MetricFilterForm, selectors.MetricScope | None]:
    data = request.GET.copy()
    for key, value in _defaults().items():
        data.setdefault(key, str(value))
    form = MetricFilterForm(data, prefix_code=prefix)
    if not form.is_valid():
        return form, None
    cleaned = form.cleaned_data
    start = day_start(cleaned["date_from"])
    end = period_end(day_start(cleaned["date_to"]), Granularity.DAY)
    scope = selectors.MetricScope(
        granularity=cleaned["granularity"],
        start=start,
        end=end,
        province_code=cleaned["province"] or "",
        resource_class=cleaned["resource_class"] or "",
        provider_id=cleaned["provider"].pk if cleaned["provider"] else None,
        jurisdiction_prefix=prefix,
    )
    return form, scope


def _chart(request, chart_id: str, operator: bool) -> charts.Chart:
    chart = charts.CHARTS_BY_ID.get(chart_id)
    if chart is None or chart not in charts.charts_for(operator=operator):
        raise Http404
    return chart


def _bad_filters(form) -> JsonResponse:
    return JsonResponse({"errors": {name: list(errors) for name, errors in form.errors.items()}}, status=400)


def metrics_dashboard(request):
    operator, prefix = _viewer(request)
    form, scope = _scope(request, prefix)
    query = request.GET.urlencode()
    sections = []
    for family, label in (
        ("resource", _("资源业务")),
        ("platform", _("平台业务")),
        ("scheduling", _("调度业务")),
        ("application", _("应用业务")),
    ):
        family_charts = [chart for chart in charts.charts_for(operator=operator) if chart.family == family]
        if family_charts:
            sections.append({"family": family, "label": label, "charts": family_charts})
    return render(
        request,
        "monitoring/metrics_dashboard.html",
        {
            "form": form,
            "valid": scope is not None,
            "metric_sections": sections,
            "query": query,
            "operator": operator,
            "regulator_scope": prefix,
            "scheduling_available": scheduling_available(),
            "poll_seconds": HEADLINE_POLL_SECONDS,
            "headline_url": reverse("monitoring:metrics-headline"),
            "tiles_socket": TILES_SOCKET_PATH,
            "is_national": settings.NODE_ROLE == "national",
            "has_nodes_below": settings.NODE_ROLE in ("national", "regional"),
        },
    )


def metrics_chart(request, chart_id: str):
    """A chart's data as JSON, or its table as CSV / XLSX (``?format=csv|xlsx``)."""
    operator, prefix = _viewer(request)
    chart = _chart(request, chart_id, operator)
    form, scope = _scope(request, prefix)
    if scope is None:
        return _bad_filters(form)
    data = charts.chart_data(chart, scope)
    export = request.GET.get("format")
    if export in ("csv", "xlsx"):
        columns, rows = charts.chart_table(data)
        return _export(columns, rows, f"{chart.id}-{scope.granularity}", export, title=data["title"])
    return JsonResponse(data)


def metrics_drill(request, chart_id: str):
    """The records behind one point of a chart (``?key=<period start or group key>``)."""
    operator, prefix = _viewer(request)
    chart = _chart(request, chart_id, operator)
    form, scope = _scope(request, prefix)
    if scope is None:
        return _bad_filters(form)
    key = request.GET.get("key", "")
    try:
        data = drills.drill(chart, scope, key)
    except (ValueError, TypeError):
        return JsonResponse({"errors": {"key": [_("无效的数据点。")]}}, status=400)
    export = request.GET.get("format")
    if export in ("csv", "xlsx"):
        return _export(data["columns"], data["rows"], f"{chart.id}-detail", export, title=str(chart.title))
    return JsonResponse(data)


def _export(columns, rows, name: str, kind: str, *, title: str) -> HttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"{name}-{stamp}.{kind}"
    if kind == "csv":
        buffer = io.StringIO()
        writer = SpreadsheetCSVWriter(buffer)
        writer.writerow(columns)
        writer.writerows(rows)
        response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=title[:31].translate(str.maketrans("[]:*?/\\", "（）：＊？／＼")))
        sheet.append(columns)
        for row in rows:
            sheet.append([spreadsheet_cell(value) for value in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def headline_figures(*, operator: bool, prefix: str, now: datetime.datetime | None = None) -> dict:
    """Live figures for the tiles, read from the catalogue and today's activity; the day's measured
    utilisation from today's roll-up (what the samples pushed and rolled up so far say)."""
    now = now or timezone.now()
    today = day_start(now)
    resources = ComputeResource.objects.filter(listing_state=ListingState.APPROVED)
    if prefix:
        resources = resources.filter(province_code__startswith=prefix)
    installed = available = online = count = 0
    for resource in resources.only(
        "accelerators_per_node", "node_count", "available_units", "billing_unit", "vcpus_per_node", "state"
    ):
        count += 1
        online += resource.state == RecordState.ONLINE
        installed += resource.accelerators_per_node * resource.node_count
        available += available_cards_from_units(resource, resource.available_units)
    identifiers = Identifier.objects.annotate(province=IDENTIFIER_PROVINCE).filter(issued_at__gte=today)
    if prefix:
        identifiers = identifiers.filter(province__startswith=prefix)
    figures = {
        "resources": count,
        "online_rate_percent": round(100.0 * online / count, 1) if count else None,
        "installed_cards": installed,
        "available_cards": available,
        "utilisation_percent": round(100.0 * (installed - available) / installed, 1) if installed else None,
        "identifiers_today": identifiers.count(),
        "utilisation_today_percent": _utilisation_today(today, prefix),
        "updated_at": timezone.localtime(now).strftime("%H:%M:%S"),
    }
    if scheduling_available():
        demands = _demand_model("Demand").objects.filter(created_at__gte=today)
        if prefix:
            demands = demands.filter(city__code__startswith=prefix)
        figures["demands_today"] = demands.count()
    if operator:
        hour = ApiRequestStat.objects.filter(hour__gte=now - datetime.timedelta(hours=1)).aggregate(
            n=Sum("count"), errors=Sum("count", filter=Q(status__gte=500))
        )
        figures["api_requests_last_hour"] = hour["n"] or 0
        figures["api_errors_last_hour"] = hour["errors"] or 0
    return figures


def _utilisation_today(today: datetime.datetime, prefix: str) -> float | None:
    rows = selectors.resource_series(scope=selectors.day_scope(today.date(), jurisdiction_prefix=prefix))
    return rows[0]["utilisation_percent"] if rows else None


def metrics_headline(request):
    operator, prefix = _viewer(request)
    return JsonResponse(headline_figures(operator=operator, prefix=prefix))


def national_reports(request):
    """The aggregate of the daily reports received from the nodes below (national: regional nodes and their
    industry nodes; regional: its industry nodes)."""
    user = request.user
    if settings.NODE_ROLE not in ("national", "regional") or not (
        user.is_authenticated and user.has_perm("monitoring.view_national_reports")
    ):
        raise Http404
    from .models import ReceivedReport

    latest = ReceivedReport.objects.order_by("-report_date").values_list("report_date", flat=True).first()
    day = latest or timezone.localdate()
    raw = request.GET.get("date")
    error = ""
    if raw:
        try:
            day = datetime.date.fromisoformat(raw)
        except ValueError:
            error = _("日期格式应为 YYYY-MM-DD。")
    aggregate = national_aggregate(day=day)
    names = {d.code: d.display_name for d in Division.objects.filter(level="province")}
    for row in aggregate["by_province"]:
        row["name"] = names.get(row["province_code"], row["province_code"])
    dates = ReceivedReport.objects.values("report_date").annotate(n=Count("pk")).order_by("-report_date")[:30]
    return render(
        request,
        "monitoring/received_report.html",
        {
            "aggregate": aggregate,
            "day": day,
            "dates": dates,
            "date_error": error,
            "is_national": settings.NODE_ROLE == "national",
        },
    )
