"""Demand matching (flows 5 and 6): a pure function over plain rows (``values()`` dictionaries).

Given the demand, the catalogue's compute resources and the network lines, propose up to ``limit``
ranked offers. An offer is one to three resources whose available capacity together covers the
requested cards; each resource is reached over the best dedicated line from the user's city to its
site (approved, online, lowest latency). Every offer carries its score and the components of it.

Score (0–100):

- price (40): the cheapest feasible offer's total over this offer's total (compute for the duration
  plus the prorated monthly rent of its lines); offers above the budget are not made;
- latency (25): 25 × (1 − latency / reference), the reference being the demand's maximum latency
  or 50 ms; no dedicated line scores 0;
- reliability (15): the card-weighted share of each resource's reliability figure (monitoring.reliability)
  between 90 % (0) and 100 % (full); a resource without a figure scores 0 for its cards;
- certification (10): the share of cards from certified providers;
- consolidation (10): one resource 10, two 6, three 3 (fewer hand-offs, one provider to deal with).

Same province: only when the user chose "prefer my province" on the demand (``prefer_my_province``): then
the share of cards in the user's province scores 15 and price 35, latency 20, reliability 10
(scoring.WEIGHTS_PREFER_PROVINCE); otherwise it scores nothing and the explanation says so. A demand's
``min_reliability`` floor drops resources below it (or without a figure) before anything is combined.

Ties break on total price, latency, then resource ids: the same input always gives the same output.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from .proposals import Allotment, DemandSpec, MatchResult, Proposal, money, to_decimal
from .scoring import offer_score

HOURS_PER_MONTH = Decimal(720)
MAX_RESOURCES_PER_MATCH = 3
# Pairs and triples are drawn from this many best-value candidates (singles from all of them).
COMBINATION_POOL = 24


def best_lines(*, city_code: str, lines: Iterable[Mapping]) -> dict[int, Mapping]:
    """The best line from the city to each site: lowest latency (unknown last), widest, cheapest, lowest id."""
    best: dict[int, Mapping] = {}

    def key(line: Mapping):
        latency = to_decimal(line.get("latency_ms"))
        return (
            latency is None,
            latency or Decimal(0),
            -int(line.get("bandwidth_mbps") or 0),
            to_decimal(line.get("price_yuan_per_month")) or Decimal(0),
            line["id"],
        )

    for line in lines:
        if line.get("from_city_id") != city_code:
            continue
        if line.get("listing_state", "approved") != "approved" or line.get("state", "online") != "online":
            continue
        site = line["to_site_id"]
        if site not in best or key(line) < key(best[site]):
            best[site] = line
    return best


@dataclass(frozen=True)
class _Candidate:
    row: Mapping
    capacity_cards: int
    price_per_card_hour: Decimal
    fp16: Decimal | None
    line: Mapping | None
    latency: Decimal | None

    @property
    def id(self) -> int:
        return self.row["id"]

    def units_for(self, cards: int) -> int:
        if self.row.get("billing_unit") == "node_hour":
            return math.ceil(cards / max(1, self.row.get("accelerators_per_node") or 1))
        return cards


def _capacity_cards(row: Mapping) -> int:
    units = int(row.get("available_units") or 0)
    if row.get("billing_unit") == "node_hour":
        return units * int(row.get("accelerators_per_node") or 0)
    return units


def _price_per_card_hour(row: Mapping) -> Decimal:
    price = to_decimal(row["price_yuan"]) or Decimal(0)
    if row.get("billing_unit") == "node_hour":
        return price / max(1, int(row.get("accelerators_per_node") or 1))
    return price


def _reliable(row: Mapping, floor: Decimal) -> bool:
    value = to_decimal(row.get("reliability"))
    return value is not None and value >= floor


def _candidates(spec: DemandSpec, resources: Iterable[Mapping], lines: Iterable[Mapping], funnel: dict) -> list:
    by_site = best_lines(city_code=spec.city_code, lines=lines)
    wanted_model = spec.accelerator_model.strip().casefold()
    of_class, with_capacity, reliable, reachable = [], [], [], []
    for row in resources:
        if row.get("listing_state") != "approved" or row.get("state") != "online":
            continue
        if row.get("resource_class") != spec.resource_class:
            continue
        of_class.append(row)
        if wanted_model and (row.get("accelerator_model") or "").strip().casefold() != wanted_model:
            continue
        fp16 = to_decimal(row.get("fp16_tflops_per_card"))
        if spec.min_fp16_tflops_total is not None and not wanted_model and not fp16:
            continue
        capacity = _capacity_cards(row)
        if capacity <= 0:
            continue
        with_capacity.append(row)
        if spec.min_reliability is not None and not _reliable(row, spec.min_reliability):
            continue
        reliable.append(row)
        line = by_site.get(row["site_id"])
        latency = to_decimal(line.get("latency_ms")) if line else None
        if spec.max_latency_ms is not None and (latency is None or latency > spec.max_latency_ms):
            continue
        reachable.append(_Candidate(row, capacity, _price_per_card_hour(row), fp16, line, latency))
    funnel["class"] = len(of_class)
    funnel["capacity"] = len(with_capacity)
    if spec.min_reliability is not None:
        funnel["reliability"] = len(reliable)
    if spec.max_latency_ms is not None:
        funnel["latency"] = len(reachable)
    return reachable


def _allot(spec: DemandSpec, combo: tuple[_Candidate, ...]) -> list[tuple[_Candidate, int]] | None:
    """Fill the cards from the cheapest member up (``combo`` comes in best-value order); None unless every
    member is needed and it all fits."""
    if sum(c.capacity_cards for c in combo) < spec.card_count:
        return None
    remaining = spec.card_count
    plan = []
    for candidate in combo:
        if remaining <= 0:
            return None  # a member would get nothing: a smaller combination covers it already
        cards = min(remaining, candidate.capacity_cards)
        plan.append((candidate, cards))
        remaining -= cards
    if remaining > 0:
        return None
    if spec.min_fp16_tflops_total is not None:
        total = sum((c.fp16 or Decimal(0)) * cards for c, cards in plan)
        if total < spec.min_fp16_tflops_total:
            return None
    return plan


def _priced(spec: DemandSpec, plan: list[tuple[_Candidate, int]]) -> dict:
    hours = Decimal(spec.duration_hours)
    allotments = []
    compute = Decimal(0)
    for candidate, cards in plan:
        units = candidate.units_for(cards)
        unit_price = to_decimal(candidate.row["price_yuan"]) or Decimal(0)
        price = money(unit_price * units * hours)
        compute += price
        allotments.append(
            Allotment(
                resource_id=candidate.id,
                provider_id=candidate.row["provider_id"],
                cards=cards,
                units=units,
                unit_price_yuan=unit_price,
                price_yuan=price,
                line_id=candidate.line["id"] if candidate.line else None,
                latency_ms=candidate.latency,
                province_code=candidate.row.get("province_code") or "",
            )
        )
    line_rent = {
        c.line["id"]: to_decimal(c.line.get("price_yuan_per_month")) or Decimal(0)
        for c, _ in plan
        if c.line is not None
    }
    line_price = money(sum(line_rent.values(), Decimal(0)) * hours / HOURS_PER_MONTH)
    latencies = [c.latency for c, _ in plan]
    latency = None if any(value is None for value in latencies) else max(latencies)
    return {
        "allotments": tuple(allotments),
        "compute": money(compute),
        "line": line_price,
        "total": money(compute) + line_price,
        "latency": latency,
        "plan": plan,
    }


def match_demand(
    *, spec: DemandSpec, resources: Iterable[Mapping], lines: Iterable[Mapping], limit: int = 5
) -> MatchResult:
    """Rank the offers for ``spec``; see the module docstring for the rules."""
    funnel: dict[str, int] = {}
    candidates = _candidates(spec, list(resources), list(lines), funnel)
    # Best value first: cheapest per card-hour, then lowest latency, then id.
    candidates.sort(key=lambda c: (c.price_per_card_hour, c.latency is None, c.latency or 0, c.id))
    pool = candidates[:COMBINATION_POOL]
    offers = []
    for size in range(1, MAX_RESOURCES_PER_MATCH + 1):
        source = candidates if size == 1 else pool
        # combinations keep the source's best-value order, which is the order cards are allotted in
        for combo in itertools.combinations(source, size):
            plan = _allot(spec, combo)
            if plan is not None:
                offers.append(_priced(spec, plan))
    funnel["feasible"] = len(offers)
    if spec.budget_yuan is not None:
        offers = [offer for offer in offers if offer["total"] <= spec.budget_yuan]
        funnel["budget"] = len(offers)
    if not offers:
        return MatchResult(proposals=[], funnel=funnel)
    cheapest = min(offer["total"] for offer in offers)
    scored = [(offer_score(spec, offer, cheapest, explain=False), offer) for offer in offers]
    scored.sort(
        key=lambda item: (
            -item[0],
            item[1]["total"],
            item[1]["latency"] is None,
            item[1]["latency"] or 0,
            tuple(sorted(a.resource_id for a in item[1]["allotments"])),
        )
    )
    proposals = []
    for rank, (_, offer) in enumerate(scored[:limit], start=1):
        score, components, text = offer_score(spec, offer, cheapest)
        proposals.append(
            Proposal(
                rank=rank,
                score=score,
                allotments=offer["allotments"],
                compute_price_yuan=offer["compute"],
                line_price_yuan=offer["line"],
                total_price_yuan=offer["total"],
                cards=spec.card_count,
                latency_ms=offer["latency"],
                components=components,
                text=text,
            )
        )
    return MatchResult(proposals=proposals, funnel=funnel)
