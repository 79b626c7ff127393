"""Offers by others on catalogue resources (转售报价 today), shown where buyers look at the catalogue.

The catalogue and the selection page sit below the apps that make such offers (workflows.demand
imports catalog, never the reverse), so the offering app registers its reads here at
``AppConfig.ready`` and the pages ask through this module; with nothing registered every answer is
empty and the pages show no offers.

- ``live_resource_ids()``: a query (a flat ``values_list`` of resource ids: iterable, and usable as a
  subquery) of the resources that have at least one live offer now;
- ``summaries(resource_ids)``: per resource id of the page, an ``OfferSummary``: one query for the
  whole page, whatever its number of rows;
- ``offers_of(resource)``: the live offers of one resource, for its detail page.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet


@dataclass(frozen=True)
class OfferSummary:
    """The live offers of one resource: how many, the lowest price per billing unit (cheapest unit
    first) and where the buyer sees them."""

    count: int
    lowest: tuple[tuple[str, Decimal], ...] = ()  # (billing unit, lowest price in yuan) per unit
    href: str = ""

    def lowest_for(self, billing_unit: str) -> tuple[str, Decimal] | None:
        """The lowest price in ``billing_unit`` (the resource's own unit) if there is one, else the
        first unit's: prices in different units are never compared."""
        for unit, price in self.lowest:
            if unit == billing_unit:
                return unit, price
        return self.lowest[0] if self.lowest else None


@dataclass(frozen=True)
class _Source:
    live_resource_ids: Callable[[], QuerySet]
    summaries: Callable[[list[int]], dict[int, OfferSummary]]
    offers_of: Callable[..., list]


_source: _Source | None = None


def resource_offers_register(
    *,
    live_resource_ids: Callable[[], QuerySet],
    summaries: Callable[[list[int]], dict[int, OfferSummary]],
    offers_of: Callable[..., list],
) -> None:
    global _source
    _source = _Source(live_resource_ids=live_resource_ids, summaries=summaries, offers_of=offers_of)


def resource_offers_registered() -> bool:
    return _source is not None


def live_resource_ids() -> QuerySet | None:
    """Ids of the resources with live offers now (None: no offering app in this deployment)."""
    return _source.live_resource_ids() if _source is not None else None


def offer_summaries(resource_ids: Iterable[int]) -> dict[int, OfferSummary]:
    """Summaries of the live offers of these resources (one query; ids without offers are left out)."""
    ids = sorted({int(pk) for pk in resource_ids if pk is not None and int(pk) > 0})
    if _source is None or not ids:
        return {}
    return _source.summaries(ids)


def offers_of(*, resource) -> list:
    """The live offers of one resource (empty without an offering app)."""
    return _source.offers_of(resource=resource) if _source is not None else []
