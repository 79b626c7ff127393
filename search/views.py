"""The public selection page (算力选择) and its CSV export: one query object, one search call.

The whole state of the page is its query string (a GET form): shareable, bookmarkable, and the
back button works without any script. The export takes the same query string, page included, so
it contains exactly the rows on screen.
"""

import json
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from catalog.models import CpuArchitecture, ResourceClass
from catalog.offers import offer_summary_text, summaries_for
from catalog.spreadsheets import SpreadsheetCSVWriter, spreadsheet_cell
from changes.selectors import current_position
from organizations.selectors import division_list

from .live import reliability_sensitive
from .presentation import COLUMNS, cols_param, decorate, sort_headers, visible_columns
from .query import SORTS, ComputeQuery, QueryError
from .selectors import resource_search

SORT_LABELS = {
    "price": gettext_lazy("单价从低到高"),
    "-price": gettext_lazy("单价从高到低"),
    "price_performance_fp16": gettext_lazy("性价比（FP16）"),
    "price_performance_fp32": gettext_lazy("性价比（FP32）"),
    "price_performance_fp64": gettext_lazy("性价比（FP64）"),
    "available": gettext_lazy("可用数量从多到少"),
    "reliability": gettext_lazy("可靠性从高到低"),
    "latency": gettext_lazy("专线时延从低到高"),
}
PAGE_SIZES = (20, 50, 100)
FACET_TITLES = {
    "resource_class": gettext_lazy("算力类型"),
    "vendor": gettext_lazy("加速卡厂商"),
    "model": gettext_lazy("加速卡型号"),
    "province": gettext_lazy("省份"),
    "cpu_architecture": gettext_lazy("CPU 架构"),
    "state": gettext_lazy("运行状态"),
    "price_band": gettext_lazy("价格区间（元/计费单位）"),
    "source": gettext_lazy("来源节点"),
}
# facets whose values are a filter of the query (the others are counts only)
FACET_PARAMS = {"resource_class", "vendor", "model", "province", "cpu_architecture", "price_band", "source"}
# filters a live snapshot can be checked against in the browser (selection.js)
LIVE_CHECKED = (
    "resource_class",
    "vendor",
    "model",
    "cpu_architecture",
    "province",
    "city",
    "min_cards",
    "min_fp16",
    "min_fp32",
    "min_fp64",
    "min_memory_gb",
    "max_price",
    "available_now",
    "certified_only",
    "min_reliability",
)


def _query_from(params) -> tuple[ComputeQuery, dict[str, list[str]]]:
    """The query of the request; with bad parameters, their errors and the query without them."""
    try:
        return ComputeQuery.from_params(params), {}
    except QueryError as error:
        errors = error.errors
    cleaned = params.copy() if hasattr(params, "copy") else dict(params)
    for _attempt in range(3):
        for name in errors:
            cleaned.pop(name, None)
        if errors.keys() & {"user_city", "max_latency_ms", "min_bandwidth_mbps", "sort"}:
            for name in ("user_city", "max_latency_ms", "min_bandwidth_mbps"):
                cleaned.pop(name, None)
            if cleaned.get("sort") == "latency":
                cleaned.pop("sort")
        try:
            return ComputeQuery.from_params(cleaned), errors
        except QueryError:
            continue
    return ComputeQuery(), errors


def _href(query: ComputeQuery, keep: dict | None = None, **changes) -> str:
    """A link to the page with the query changed; ``keep`` holds page parameters outside the query
    (the column choice)."""
    params = {**query.replace(**changes).to_params(), **(keep or {})}
    return "?" + urlencode(params) if params else "?"


def _facets(query: ComputeQuery, facets: dict[str, list[dict]], keep: dict | None = None) -> list[dict]:
    groups = []
    for name, items in facets.items():
        if not items:
            continue
        linked = name in FACET_PARAMS
        current = getattr(query, name, "") if linked else ""
        values = []
        for item in items:
            active = linked and item["value"] == current
            href = None
            if linked and item["count"]:
                href = _href(query, keep, **{name: "" if active else item["value"]}, page=1)
            values.append({**item, "active": active, "href": href})
        groups.append(
            {
                "name": name,
                "title": FACET_TITLES.get(name, name),
                "values": values,
                "clear": _href(query, keep, **{name: ""}, page=1) if current else None,
            }
        )
    return groups


def _pages(query: ComputeQuery, page: int, num_pages: int, keep: dict | None = None) -> list[dict]:
    shown = sorted({1, num_pages, *range(max(1, page - 2), min(num_pages, page + 2) + 1)})
    items, previous = [], 0
    for number in shown:
        if number - previous > 1:
            items.append({"gap": True})
        items.append({"number": number, "href": _href(query, keep, page=number), "current": number == page})
        previous = number
    return items


def _division_choices(level: str) -> list[tuple[str, str]]:
    english = translation.get_language() == "en"
    return [
        (division.code, division.name_en if english and division.name_en else division.name_zh)
        for division in division_list(level=level).only("code", "name_zh", "name_en")
    ]


def _live_filters(query: ComputeQuery) -> dict:
    filters = {}
    for name in LIVE_CHECKED:
        value = getattr(query, name)
        if value in ("", None, False):
            continue
        filters[name] = str(value) if not isinstance(value, bool | int) else value
    return filters


def _columns(query: ComputeQuery, keep: dict) -> list[dict]:
    headers = sort_headers(query, lambda **changes: _href(query, keep, **changes))
    return [{"key": column.key, "label": column.label, "header": headers.get(column.key)} for column in COLUMNS]


def _rows(results: list[dict]) -> list[dict]:
    """The page's rows as shown, each with the summary of its live resale offers (one query per page)."""
    return [
        {**decorate(row), "offer_summary": summary}
        for row, summary in zip(results, summaries_for(results), strict=True)
    ]


@require_safe
def selection(request):
    query, errors = _query_from(request.GET)
    result = resource_search(query=query)
    export_params = query.replace(page=result.page).to_params()
    visible = visible_columns(request.GET)
    keep = cols_param(visible)
    context = {
        "query": query,
        "errors": errors,
        "result": result,
        "rows": _rows(result.results),
        "columns": _columns(query, keep),
        "visible": visible,
        "query_params": sorted(query.to_params().items()),
        "facets": _facets(query, result.facets, keep),
        "pages": _pages(query, result.page, result.num_pages, keep) if result.num_pages > 1 else [],
        "previous_href": _href(query, keep, page=result.page - 1) if result.page > 1 else None,
        "next_href": _href(query, keep, page=result.page + 1) if result.page < result.num_pages else None,
        "first_row": (result.page - 1) * result.page_size + 1 if result.count else 0,
        "last_row": (result.page - 1) * result.page_size + len(result.results),
        "export_href": reverse("search:selection-export") + ("?" + urlencode(export_params) if export_params else ""),
        "clear_href": reverse("search:selection") + ("?" + urlencode(keep) if keep else ""),
        "compare_href": reverse("search:selection-compare"),
        "sorts": [(value, SORT_LABELS.get(value, value)) for value in SORTS],
        "page_sizes": PAGE_SIZES,
        "resource_classes": ResourceClass.choices,
        "architectures": CpuArchitecture.choices,
        "provinces": _division_choices("province"),
        "cities": _division_choices("city"),
        "vendors": [item["value"] for item in result.facets.get("vendor", [])],
        "models": [item["value"] for item in result.facets.get("model", [])],
        "live_since": current_position(),
        "live_filters": _live_filters(query),
        # rows that depend on reliability figures: the page watches its query on ws/select/ (search.live)
        "live_watch": not errors and reliability_sensitive(query),
        "live_ids": [row["id"] for row in result.results],
        "has_filters": bool({k for k in query.to_params() if k not in {"sort", "page", "page_size"}}),
        "filter_count": len({k for k in query.to_params() if k not in {"sort", "page", "page_size"}}),
    }
    status = 400 if errors else 200
    return render(request, "search/selection.html", context, status=status)


def _cell(value) -> str:
    return spreadsheet_cell("" if value is None else str(value))


EXPORT_COLUMNS = (
    (gettext_lazy("算力标识"), lambda r: r["identifier"]),
    (gettext_lazy("名称"), lambda r: r["name"]),
    (gettext_lazy("服务商"), lambda r: r["provider"]["name"]),
    (gettext_lazy("算力类型"), lambda r: r["resource_class_label"]),
    (gettext_lazy("省份"), lambda r: r["site"].get("province_name")),
    (gettext_lazy("城市"), lambda r: r["site"].get("city_name")),
    (gettext_lazy("站点"), lambda r: r["site"]["name"]),
    (gettext_lazy("加速卡厂商"), lambda r: r["accelerator_vendor"]),
    (gettext_lazy("加速卡型号"), lambda r: r["accelerator_model"]),
    (gettext_lazy("每节点卡数"), lambda r: r["accelerators_per_node"]),
    (gettext_lazy("节点数"), lambda r: r["node_count"]),
    (gettext_lazy("总卡数"), lambda r: r.get("total_cards")),
    (gettext_lazy("CPU 架构"), lambda r: r.get("cpu_architecture_label")),
    (gettext_lazy("单价（元）"), lambda r: r["price_yuan"]),
    (gettext_lazy("计费单位"), lambda r: r["billing_unit_label"]),
    (gettext_lazy("可用数量"), lambda r: r["available_units"]),
    (gettext_lazy("运行状态"), lambda r: r["state_label"]),
    (gettext_lazy("可靠性（%）"), lambda r: r.get("reliability_percent")),
    (gettext_lazy("性价比（元/PFLOPS·时）"), lambda r: r.get("price_performance")),
    (gettext_lazy("专线时延（毫秒）"), lambda r: (r["best_line"] or {}).get("latency_ms")),
    (gettext_lazy("专线带宽（Mbps）"), lambda r: (r["best_line"] or {}).get("bandwidth_mbps")),
    (gettext_lazy("专线月租（元/月）"), lambda r: (r["best_line"] or {}).get("price_yuan_per_month")),
    (gettext_lazy("专线"), lambda r: (r["best_line"] or {}).get("identifier") or _("无专线")),
    (gettext_lazy("详情页"), lambda r: r.get("url")),
    # "2 个，最低 ¥13.80/卡·时": the live resale offers, as the page's row summarises them (empty without)
    (gettext_lazy("转售报价"), lambda r: offer_summary_text(r["offer_summary"], r["billing_unit"])),
)


@require_safe
def selection_export(request):
    """CSV of exactly the rows the page shows for the same query string (same page, same order)."""
    query, errors = _query_from(request.GET)
    if errors:
        body = json.dumps({"errors": errors}, ensure_ascii=False)
        return HttpResponse(body, status=400, content_type="application/json; charset=utf-8")
    result = resource_search(query=query)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="compute-selection-{stamp}-p{result.page}.csv"'
    response.write("\ufeff")  # so that spreadsheet programs read the Chinese text as UTF-8
    writer = SpreadsheetCSVWriter(response)
    writer.writerow([str(title) for title, _value in EXPORT_COLUMNS])
    hits = result.results
    for row in ({**hit, "offer_summary": summary} for hit, summary in zip(hits, summaries_for(hits), strict=True)):
        writer.writerow([_cell(value(row)) for _title, value in EXPORT_COLUMNS])
    return response
