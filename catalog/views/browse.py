"""Public catalogue pages: the listing (/catalog/), its exports, the provider directory, site pages and
the identifier lookup. Anonymous visitors may see all of it; only approved records are shown.
"""

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from infra.cacheable import cache_for_anonymous, mark_cacheable, mark_shows_records
from infra.paths import localize_path

from .. import offers, selectors_public
from ..models import IdentifierState, RecordState, ResourceClass
from ..resolution import identifier_resolve
from ..snapshots import live_key

PAGE_SIZE = 20
EXPORT_FORMATS = ("csv", "xlsx", "json")


class CatalogueKind:
    RESOURCES = "resources"
    LINES = "lines"
    APPS = "apps"
    CHOICES = [
        (RESOURCES, gettext_lazy("算力资源")),
        (LINES, gettext_lazy("网络线路")),
        (APPS, gettext_lazy("应用服务")),
    ]


class CatalogueFilterForm(forms.Form):
    """The listing's filters; a bad value is a field error and that filter is not applied."""

    q = forms.CharField(label=gettext_lazy("关键词"), max_length=100, required=False, strip=True)
    kind = forms.ChoiceField(label=gettext_lazy("目录"), choices=CatalogueKind.CHOICES, required=False)
    resource_class = forms.ChoiceField(label=gettext_lazy("算力类型"), required=False)
    province = forms.ChoiceField(label=gettext_lazy("省份"), required=False)
    provider = forms.TypedChoiceField(label=gettext_lazy("服务商"), required=False, coerce=int, empty_value=None)
    state = forms.ChoiceField(label=gettext_lazy("运行状态"), required=False)
    sort = forms.ChoiceField(label=gettext_lazy("排序"), required=False)
    resale = forms.BooleanField(label=gettext_lazy("含转售报价"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("全部"))]
        self.fields["resource_class"].choices = everything + list(ResourceClass.choices)
        self.fields["province"].choices = everything + [
            (division.code, division.name_zh) for division in selectors_public.filter_provinces()
        ]
        self.fields["provider"].choices = everything + [
            (str(provider.pk), provider.organization.name) for provider in selectors_public.filter_providers()
        ]
        self.fields["state"].choices = everything + list(RecordState.choices)
        self.fields["sort"].choices = [("", _("默认"))] + [(key, label) for key, (label, _fields) in SORTS.items()]
        self.fields["q"].widget.attrs.update({"type": "search", "placeholder": _("名称、算力标识、服务商、站点")})

    def filters(self) -> dict:
        """The valid filters (an invalid field is left out, and shown with its error)."""
        data = {}
        if self.is_bound:
            self.is_valid()
            data = {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}
        return {
            "kind": data.get("kind") or CatalogueKind.RESOURCES,
            "resource_class": data.get("resource_class") or "",
            "province_code": data.get("province") or "",
            "provider_id": data.get("provider") or None,
            "state": data.get("state") or "",
            "q": data.get("q") or "",
            "sort": data.get("sort") or "",
            "resale": bool(data.get("resale")),
        }


# sort key -> (label, ordering per kind); the primary key breaks ties so pages never overlap
SORTS = {
    "name": (gettext_lazy("名称"), {"*": ("name", "pk")}),
    "price": (
        gettext_lazy("价格从低到高"),
        {CatalogueKind.LINES: ("price_yuan_per_month", "pk"), "*": ("price_yuan", "pk")},
    ),
    "-price": (
        gettext_lazy("价格从高到低"),
        {CatalogueKind.LINES: ("-price_yuan_per_month", "pk"), "*": ("-price_yuan", "pk")},
    ),
    "available": (gettext_lazy("可用数量从多到少"), {CatalogueKind.RESOURCES: ("-available_units", "pk")}),
    "provider": (gettext_lazy("服务商"), {"*": ("provider__organization__name", "name", "pk")}),
}
LIVE_SORTS = frozenset({"price", "-price", "available"})  # orders that follow records' live figures
TEXT_FIELDS = {
    CatalogueKind.RESOURCES: (
        "name",
        "identifier__code",
        "provider__organization__name",
        "site__name",
        "accelerator_model",
    ),
    CatalogueKind.LINES: ("name", "identifier__code", "provider__organization__name", "to_site__name"),
    CatalogueKind.APPS: ("name", "identifier__code", "provider__organization__name"),
}


def _searched_and_sorted(queryset, filters: dict):
    """The keyword (every term must match one of the kind's text fields) and the chosen order."""
    kind = filters["kind"]
    for term in filters["q"].split():
        clause = Q()
        for field in TEXT_FIELDS[kind]:
            clause |= Q(**{f"{field}__icontains": term})
        queryset = queryset.filter(clause)
    if filters["sort"]:
        orderings = SORTS[filters["sort"]][1]
        ordering = orderings.get(kind) or orderings.get("*")
        if ordering:
            queryset = queryset.order_by(*ordering)
    return queryset


def sort_links(query, filters: dict) -> dict[str, dict]:
    """Click-to-sort headers: for each sortable column, its link (a second click reverses the price) and
    its aria-sort state. ``query`` is the page's query string without the page."""
    links = {}
    for column, sorts in (
        ("name", ("name",)),
        ("price", ("price", "-price")),
        ("available", ("available",)),
        ("provider", ("provider",)),
    ):
        current = filters["sort"]
        active = current in sorts
        target = sorts[(sorts.index(current) + 1) % len(sorts)] if active else sorts[0]
        params = query.copy()
        params["sort"] = target
        direction = "none"
        if active:
            direction = "descending" if current in ("-price", "available") else "ascending"
        links[column] = {"href": "?" + params.urlencode(), "active": active, "aria_sort": direction}
    return links


def _queryset(filters: dict):
    kind = filters["kind"]
    common = {"provider_id": filters["provider_id"], "state": filters["state"]}
    if kind == CatalogueKind.LINES:
        queryset = selectors_public.public_lines(province_code=filters["province_code"], **common)
    elif kind == CatalogueKind.APPS:
        queryset = selectors_public.public_app_services(**common)
    else:
        queryset = selectors_public.public_resources(
            resource_class=filters["resource_class"], province_code=filters["province_code"], **common
        )
        offered = offers.live_resource_ids() if filters["resale"] else None
        if offered is not None:  # 含转售报价: resources with a live resale offer (catalog.offers)
            queryset = queryset.filter(pk__in=offered)
    return _searched_and_sorted(queryset, filters)


def _export_function():
    """The catalogue export (written in catalog.exports); None while it does not exist."""
    from .. import exports

    return getattr(exports, "public_resource_export_response", None)


@require_GET
@cache_for_anonymous(depends_on=("catalog",))
def catalogue(request):
    """Browse the public catalogue: resources (default), lines or app services, filtered and paginated."""
    form = CatalogueFilterForm(request.GET or None)
    filters = form.filters()
    page_obj = Paginator(_queryset(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    records = list(page_obj.object_list)
    if filters["kind"] == CatalogueKind.RESOURCES:  # the page's rows' resale offers, in one query
        summaries = offers.offer_summaries(record.pk for record in records)
        for record in records:
            record.offer_summary = summaries.get(record.pk)
    query = request.GET.copy()
    query.pop("page", None)
    export_links = []
    if filters["kind"] == CatalogueKind.RESOURCES and _export_function() is not None:
        for fmt in EXPORT_FORMATS:
            export_links.append((fmt.upper(), localize_path(f"/catalog/export/{fmt}/") + _query_suffix(query)))
    response = render(
        request,
        "catalog/catalogue.html",
        {
            "form": form,
            "kind": filters["kind"],
            "page_obj": page_obj,
            "records": records,
            "querystring": query.urlencode(),
            "export_links": export_links,
            "sort_links": sort_links(query, filters),
            "figures": selectors_public.headline_figures(),
        },
    )
    # which records are on this page, and in which order, follows live figures only when sorted or
    # filtered by them; otherwise a status change of a record drops only the pages it is on
    if filters["sort"] in LIVE_SORTS or filters["state"]:
        mark_cacheable(response, depends_on=("live",))
    return mark_shows_records(response, (live_key(record) for record in page_obj.object_list))


def _query_suffix(query) -> str:
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else ""


@require_GET
def catalogue_export(request, fmt: str):
    """The public resources matching the listing's filters, as CSV, XLSX or JSON."""
    export = _export_function()
    if fmt not in EXPORT_FORMATS or export is None:
        raise Http404(_("不支持的导出格式。"))
    form = CatalogueFilterForm(request.GET or None)
    filters = {**form.filters(), "kind": CatalogueKind.RESOURCES}
    return export(queryset=_queryset(filters), fmt=fmt)


@require_GET
@cache_for_anonymous(depends_on=("catalog",))
def provider_directory(request):
    """Every certified (or suspended) provider with its status and counts of public records."""
    return render(request, "catalog/provider_directory.html", {"providers": selectors_public.directory_providers()})


@require_GET
@cache_for_anonymous(depends_on=("catalog",))
def provider_detail(request, pk: int):
    provider = selectors_public.directory_provider_get(pk=pk)
    if provider is None:
        raise Http404(_("没有这个公开的服务商。"))
    records = {
        "resources": list(selectors_public.public_resources(provider_id=provider.pk)),
        "lines": list(selectors_public.public_lines(provider_id=provider.pk)),
        "apps": list(selectors_public.public_app_services(provider_id=provider.pk)),
    }
    response = render(
        request,
        "catalog/provider.html",
        {"provider": provider, "sites": selectors_public.provider_sites(provider=provider), **records},
    )
    return mark_shows_records(response, (live_key(record) for shown in records.values() for record in shown))


@require_GET
@cache_for_anonymous(depends_on=("catalog",))
def site_detail(request, pk: int):
    site = selectors_public.public_site_get(pk=pk)
    if site is None:
        raise Http404(_("没有这个公开的数据中心站点。"))
    records = {
        "resources": list(selectors_public.public_resources(site_id=site.pk)),
        "lines": list(selectors_public.public_lines(site_id=site.pk)),
    }
    response = render(request, "catalog/site.html", {"site": site, **records})
    return mark_shows_records(response, (live_key(record) for shown in records.values() for record in shown))


class IdentifierLookupForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("算力标识"),
        max_length=80,
        help_text=gettext_lazy("如：CN.510000/A000000011"),
        error_messages={"required": gettext_lazy("请输入算力标识。")},
    )


@require_GET
def identifier_lookup(request):
    """Resolve an identifier (locally or through the upstream node) and go to its public page."""
    form = IdentifierLookupForm(request.GET or None)
    result = None
    if form.is_valid():
        resolution = identifier_resolve(code=form.cleaned_data["code"])
        body = resolution.body
        if resolution.status == 200 and resolution.local and body.get("access_path"):
            return redirect(localize_path(body["access_path"]))
        if resolution.status == 400:
            form.add_error("code", body.get("detail") or _("算力标识格式不正确。"))
        elif resolution.status == 404:
            form.add_error("code", _("没有找到这个算力标识：请核对后重新输入。"))
        elif resolution.status != 200:
            form.add_error("code", body.get("detail") or _("暂时无法解析，请稍后再试。"))
        else:
            state = body.get("state")
            result = {**body, "state_label": IdentifierState(state).label if state in IdentifierState.values else state}
    return render(request, "catalog/identifier_lookup.html", {"form": form, "result": result})
