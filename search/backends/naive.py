"""The naive ORM baseline: plain SQL per query (filter, COUNT, one GROUP BY per facet, the page).

Not a production backend: ``make bench-search`` measures it next to the database backend on the
same data (the ratio is the point), and the contract tests run it as an independent reference
implementation of the query semantics.
"""

from django.db.models import Case, Count, F, FloatField, IntegerField, Q, Value, When
from django.db.models.functions import Cast, Round

from catalog.availability import free_units
from catalog.models import ComputeResource, RecordState

from ..documents import PRICE_BANDS, published_q, resource_document
from ..documents import ROW_FIELDS as DOCUMENT_FIELDS
from ..query import ComputeQuery
from ..synced import LOCAL_SOURCE
from .base import (
    FACETS,
    SearchBackend,
    SearchResult,
    build_facets,
    hit,
    line_allowed_sites,
    lines_from_city,
    num_pages,
    offered_resource_ids,
)

COLUMNS = {
    "resource_class": "resource_class",
    "vendor": "accelerator_vendor",
    "model": "accelerator_model",
    "province": "province_code",
    "cpu_architecture": "cpu_architecture",
    "state": "state",
    "price_band": "band",
}
TEXT_FIELDS = (
    "name",
    "description",
    "identifier__code",
    "provider__organization__name",
    "site__name",
    "site__province__name_zh",
    "site__city__name_zh",
    "accelerator_vendor",
    "accelerator_model",
    "cpu_architecture",
)


def _band():
    whens = []
    for key, low, high in PRICE_BANDS:
        condition = Q(price_yuan__gte=low) if high is None else Q(price_yuan__gte=low, price_yuan__lt=high)
        whens.append(When(condition, then=Value(key)))
    return Case(*whens, default=Value(PRICE_BANDS[0][0]))


def _price_performance(precision: str):
    tflops = Cast(f"{precision}_tflops_per_card", FloatField())
    price = Cast("price_yuan", FloatField())
    return Round(
        Case(
            When(
                Q(billing_unit="card_hour", **{f"{precision}_tflops_per_card__gt": 0}),
                then=price * 1000.0 / tflops,
            ),
            When(
                Q(billing_unit="node_hour", accelerators_per_node__gt=0, **{f"{precision}_tflops_per_card__gt": 0}),
                then=price * 1000.0 / (tflops * Cast("accelerators_per_node", FloatField())),
            ),
            default=None,
            output_field=FloatField(),
        ),
        4,
    )


class NaiveOrmBackend(SearchBackend):
    name = "naive"

    def search(self, query: ComputeQuery) -> SearchResult:
        lines = lines_from_city(query.user_city)
        common = ComputeResource.objects.filter(published_q()).annotate(free_units=free_units())
        if query.city:
            common = common.filter(city_code=query.city)
        if query.min_cards is not None:
            common = common.annotate(cards=F("accelerators_per_node") * F("node_count")).filter(
                cards__gte=query.min_cards
            )
        for precision in ("fp16", "fp32", "fp64"):
            value = getattr(query, f"min_{precision}")
            if value is not None:
                common = common.filter(**{f"{precision}_tflops_per_card__gte": value})
        if query.min_memory_gb is not None:
            common = common.filter(accelerator_memory_gb__gte=query.min_memory_gb)
        if query.max_price is not None:
            common = common.filter(price_yuan__lte=query.max_price)
        if query.min_reliability is not None:
            common = common.filter(reliability__score_percent__gte=query.min_reliability)
        if query.available_now:
            common = common.filter(state=RecordState.ONLINE, free_units__gt=0)
        if query.certified_only:
            common = common.exclude(certifications=[])
        offered = offered_resource_ids(query)
        if offered is not None:
            common = common.filter(pk__in=offered)
        for term in query.terms:
            clause = Q()
            for field in TEXT_FIELDS:
                clause |= Q(**{f"{field}__icontains": term})
            common = common.filter(clause)
        allowed = line_allowed_sites(query, lines)
        if allowed is not None:
            common = common.filter(site_id__in=sorted(allowed))
        if query.price_band:
            common = common.annotate(band=_band())
        own = {name: Q(**{COLUMNS[name]: getattr(query, name)}) for name in COLUMNS if getattr(query, name, "")}
        if query.source and query.source != LOCAL_SOURCE:  # this baseline knows this node's own records only
            own["source"] = Q(pk__in=[])
        full = common.filter(*own.values())

        raw = {}
        for facet, (_field, own_key) in FACETS.items():
            queryset = common.filter(*[clause for name, clause in own.items() if name != own_key])
            if facet == "source":
                raw[facet] = {LOCAL_SOURCE: queryset.count()}
                continue
            if facet == "price_band" and not query.price_band:
                queryset = queryset.annotate(band=_band())
            rows = queryset.order_by().values(COLUMNS[facet]).annotate(n=Count("id"))
            raw[facet] = {row[COLUMNS[facet]]: row["n"] for row in rows}
        count = full.count()

        if query.sort == "latency":
            ranks = [When(site_id=site, then=Value(choice.rank)) for site, choice in lines.items()]
            rank = Case(*ranks, default=Value(len(lines)), output_field=IntegerField()) if ranks else Value(0)
            ordered = full.annotate(rank=rank).order_by("rank", "id")
        elif query.sort.startswith("price_performance_"):
            ordered = full.annotate(ppf=_price_performance(query.precision)).order_by(
                F("ppf").asc(nulls_last=True), "id"
            )
        elif query.sort == "reliability":
            ordered = full.order_by(F("reliability__score_percent").desc(nulls_last=True), "id")
        else:
            ordering = {"price": "price_yuan", "-price": "-price_yuan", "available": "-free_units"}
            ordered = full.order_by(ordering[query.sort], "id")
        fields = tuple("free_units" if name == "available_units" else name for name in DOCUMENT_FIELDS)
        rows = list(ordered.values(*fields)[query.offset : query.offset + query.page_size])
        for row in rows:
            row["available_units"] = row.pop("free_units")
        return SearchResult(
            count=count,
            results=[hit(resource_document(row), query=query, lines=lines) for row in rows],
            facets=build_facets(raw),
            page=query.page,
            page_size=query.page_size,
            num_pages=num_pages(count, query.page_size),
            backend=self.name,
        )
