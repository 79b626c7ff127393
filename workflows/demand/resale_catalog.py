"""Resale offers where buyers search compute (/catalog/, /select/, a resource's page): the reads the
catalogue asks for through its registry (catalog.offers), registered by ``DemandConfig.ready``.

Which offers are live is decided by ``resale.resale_offers_public`` alone (window, the reseller's
qualification today, every underlying resource listed by a certified provider); these reads only
narrow it to resources and summarise it, in one query for a whole page of rows.
"""

from collections import defaultdict
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Min, QuerySet
from django.urls import reverse

from catalog.models import ComputeResource
from catalog.offers import OfferSummary, resource_offers_register

from .resale import resale_offers_public
from .resale_models import ResaleOffer

Through = ResaleOffer.resources.through


def _live_links() -> QuerySet:
    """(offer, resource) pairs of the live offers, as one query with the rule as a subquery."""
    return Through.objects.filter(resaleoffer_id__in=resale_offers_public().values("pk"))


def resale_live_resource_ids() -> QuerySet:
    """Ids of the resources with at least one live offer now (a flat ``values_list``: iterable as ints
    and usable as a subquery)."""
    return _live_links().values_list("computeresource_id", flat=True).distinct()


def resale_list_href(*, code: str) -> str:
    """The public list of resale offers narrowed to one resource (by its identifier)."""
    return reverse("demand:resale-list") + "?" + urlencode({"resource": code})


def resale_offer_summaries(resource_ids: list[int]) -> dict[int, OfferSummary]:
    """Per resource of a page: how many live offers and the lowest price per billing unit (one query)."""
    rows = (
        _live_links()
        .filter(computeresource_id__in=resource_ids)
        .values("computeresource_id", "computeresource__identifier__code", "resaleoffer__billing_unit")
        .annotate(n=Count("resaleoffer_id", distinct=True), low=Min("resaleoffer__price_yuan"))
        .order_by()
    )
    counts: dict[int, int] = defaultdict(int)
    lowest: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    codes: dict[int, str] = {}
    for row in rows:
        pk = row["computeresource_id"]
        counts[pk] += row["n"]  # an offer has one billing unit: the per-unit counts add up
        lowest[pk].append((row["resaleoffer__billing_unit"], row["low"]))
        codes[pk] = row["computeresource__identifier__code"] or ""
    return {
        pk: OfferSummary(
            count=count,
            lowest=tuple(sorted(lowest[pk], key=lambda item: (item[1], item[0]))),
            href=resale_list_href(code=codes[pk]) if codes[pk] else "",
        )
        for pk, count in counts.items()
    }


def resale_offers_of_resource(*, resource: ComputeResource) -> list[ResaleOffer]:
    """The live offers built on this resource, cheapest first (for the resource's page)."""
    return list(resale_offers_public().filter(resources=resource).order_by("price_yuan", "pk"))


def register() -> None:
    resource_offers_register(
        live_resource_ids=resale_live_resource_ids,
        summaries=resale_offer_summaries,
        offers_of=resale_offers_of_resource,
    )
