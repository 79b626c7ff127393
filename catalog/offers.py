"""Offers by others on catalogue resources (转售报价 today), shown where buyers look at the catalogue.

The catalogue and the selection page sit below the apps that make such offers (workflows.demand
imports catalog, never the reverse), so the offering app registers its reads here at
``AppConfig.ready`` and the pages ask through this module; with nothing registered every answer is
empty and the pages show no offers.

- ``live_resource_ids()``: a query (a flat ``values_list`` of resource ids: iterable, and usable as a
  subquery) of the resources that have at least one live offer now;
- ``summaries(resource_ids)``: per resource id of the page, an ``OfferSummary``: one query for the
  whole page, whatever its number of rows;
- ``offers_of(resource)``: the live offers of one resource, for its detail page;
- ``offer_summary_fields`` / ``offer_summary_text``: one summary as the search API's hit field and as
  the text of the selection export and the compare page (what the pages' summary shows, no more).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext, npgettext


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


def summaries_for(hits: list[dict]) -> list[OfferSummary | None]:
    """The live offers' summary of each of these search hits (dicts with "id"), in their order; one query."""
    summaries = offer_summaries(hit["id"] for hit in hits)
    return [summaries.get(hit["id"]) for hit in hits]


def offers_of(*, resource) -> list:
    """The live offers of one resource (empty without an offering app)."""
    return _source.offers_of(resource=resource) if _source is not None else []


def price_text(value) -> str:
    """A price with two to four decimals: 13.8 -> "13.80", 13.8125 -> "13.8125" ("" for no value)."""
    if value in (None, ""):
        return ""
    number = Decimal(str(value)).normalize()
    return format(number.quantize(Decimal("0.01")) if -number.as_tuple().exponent < 2 else number, "f")


def _lowest(summary: OfferSummary, billing_unit: str) -> tuple[str, str, str]:
    """(unit, its label, price text) of the lowest price shown for a resource billed in ``billing_unit``."""
    from .models import BillingUnit

    unit, price = summary.lowest_for(billing_unit) or ("", None)
    label = str(BillingUnit(unit).label) if unit in BillingUnit.values else unit
    return unit, label, price_text(price)


def offer_summary_fields(summary: OfferSummary | None, billing_unit: str) -> dict | None:
    """The search API's ``resale_offers`` of a hit: count, the lowest price in the resource's own
    billing unit (else the cheapest unit's, never compared across units) and the list's path; None
    without a live offer. Exactly what the public pages' summary shows."""
    if not summary:
        return None
    unit, label, price = _lowest(summary, billing_unit)
    return {
        "count": summary.count,
        "lowest_price_yuan": price or None,
        "billing_unit": unit or None,
        "billing_unit_label": label or None,
        "url": summary.href or None,
    }


def offer_summary_text(summary: OfferSummary | None, billing_unit: str) -> str:
    """ "2 个，最低 ¥13.80/卡·时" ("" without a live offer): the export's and the compare page's text."""
    if not summary:
        return ""
    _unit, label, price = _lowest(summary, billing_unit)
    count = npgettext("resale offers", "%(n)d 个", "%(n)d 个", summary.count) % {"n": summary.count}
    if not price:
        return count
    per = "/" + label.split("/", 1)[1] if "/" in label else label
    return gettext("%(count)s，最低 ¥%(price)s%(unit)s") % {"count": count, "price": price, "unit": per}
