"""Side-by-side comparison of 2–4 published compute resources: /select/compare/?ids=1&ids=2[&user_city=510100].

The page is its URL (shareable, no session state). Each resource is read the way the search shows it (the
same hit fields, the best line from the user's city), so the comparison and the result table agree.
"""

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from catalog.models import ComputeResource
from catalog.offers import offer_summary_text, summaries_for

from .backends.base import hit, lines_from_city
from .documents import ROW_FIELDS, published_q, resource_document
from .presentation import decorate
from .query import ComputeQuery, QueryError

MIN_COMPARED, MAX_COMPARED = 2, 4


def compared_resources(ids: list[int], user_city: str = "") -> list[dict]:
    """The published resources among ``ids``, in the order asked, as search hits."""
    query = ComputeQuery(user_city=user_city)
    lines = lines_from_city(user_city)
    rows = ComputeResource.objects.filter(published_q(), pk__in=ids).values(*ROW_FIELDS)
    found = {row["id"]: hit(resource_document(row), query=query, lines=lines) for row in rows}
    return [found[pk] for pk in ids if pk in found]


def _ids(values: list[str]) -> tuple[list[int], str]:
    ids: list[int] = []
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit() or len(part) > 12:
                return [], _("对比的资源编号有误。")
            if int(part) not in ids:
                ids.append(int(part))
    if not MIN_COMPARED <= len(ids) <= MAX_COMPARED:
        return ids, _("请选择 2 至 4 项资源进行对比（已选 %(n)d 项）。") % {"n": len(ids)}
    return ids, ""


def _spec_rows(resources: list[dict]) -> list[dict]:
    """One table row per property, one cell per resource; the best value of a comparable row is marked."""

    def row(label, values, best=None):
        return {"label": label, "values": values, "best": best}

    def lowest(values):
        numbers = [float(v) for v in values if v not in (None, "")]
        return min(numbers) if len(numbers) > 1 else None

    prices = [r["price_yuan"] for r in resources]
    ppf = [r["price_performance"] for r in resources]
    return [
        row(_("服务商"), [r["provider"]["name"] for r in resources]),
        row(_("算力类型"), [r["resource_class_label"] for r in resources]),
        row(_("位置"), [f"{r['site'].get('province_name', '')} · {r['site'].get('city_name', '')}" for r in resources]),
        row(_("数据中心站点"), [r["site"]["name"] for r in resources]),
        row(_("加速卡"), [r["accelerator_label"] or "—" for r in resources]),
        row(_("每节点卡数"), [r["accelerators_per_node"] or "—" for r in resources]),
        row(_("节点数"), [r["node_count"] for r in resources]),
        row(_("总卡数"), [r.get("total_cards") or "—" for r in resources]),
        row(_("每卡显存（GB）"), [r.get("accelerator_memory_gb") or "—" for r in resources]),
        row(_("每卡 FP16（TFLOPS）"), [r.get("fp16_tflops_per_card") or "—" for r in resources]),
        row(_("每卡 FP32（TFLOPS）"), [r.get("fp32_tflops_per_card") or "—" for r in resources]),
        row(_("每卡 FP64（TFLOPS）"), [r.get("fp64_tflops_per_card") or "—" for r in resources]),
        row(_("CPU 架构"), [r.get("cpu_architecture_label") or "—" for r in resources]),
        row(
            _("单价"),
            [f"¥{r['price_text']}{r['price_unit']}" for r in resources],
            [float(v) == lowest(prices) for v in prices] if lowest(prices) is not None else None,
        ),
        row(
            _("性价比（元/PFLOPS·时，FP16）"),
            [r["price_performance_text"] or "—" for r in resources],
            [v is not None and float(v) == lowest(ppf) for v in ppf] if lowest(ppf) is not None else None,
        ),
        row(_("可用数量"), [r["available_text"] for r in resources]),
        row(_("运行状态"), [r["state_label"] for r in resources]),
        row(_("认证"), ["、".join(r.get("certifications") or []) or "—" for r in resources]),
    ]


@require_safe
def selection_compare(request):
    ids, error = _ids(request.GET.getlist("ids"))
    user_city = request.GET.get("user_city", "").strip()
    if user_city:
        try:
            ComputeQuery.from_params({"user_city": user_city})
        except QueryError:
            user_city = ""
    resources = [] if error else [decorate(r) for r in compared_resources(ids, user_city)]
    for resource, summary in zip(resources, summaries_for(resources), strict=True):  # 转售报价: live offers, one query
        resource["offer_summary"] = summary
        resource["offer_text"] = offer_summary_text(summary, resource["billing_unit"])
    if not error and len(resources) < MIN_COMPARED:
        error = _("所选资源中只有 %(n)d 项仍在公开目录中，无法对比。") % {"n": len(resources)}
    context = {
        "error": error,
        "resources": resources,
        "spec_rows": _spec_rows(resources) if resources and not error else [],
        "user_city": user_city,
        "back_href": reverse("search:selection"),
    }
    return render(request, "search/compare.html", context, status=400 if error else 200)
