"""The demand tests' small market (three providers, A100 pools, lines from Chengdu) and helpers to
take a demand as far as a hold or an order."""

import pytest

from tests.workflows.demand.conftest import demand_data, market, submit  # noqa: F401  (fixtures)
from workflows.demand import services
from workflows.demand.models import SchedulingRecord


@pytest.fixture
def accepted(market, submit):  # noqa: F811
    """A demand for 6 of Chengdu's 8 cards, accepted (its cards held)."""

    def accept(card_count: int = 6, user=None):
        user = user or market.user
        demand = services.demand_submit(user=user, data=demand_data(max_latency_ms="5", card_count=card_count))
        match = demand.matches.get(rank=1)
        assert list(match.resources.values_list("pk", flat=True)) == [market.resources["chengdu"].pk]
        services.demand_accept(demand=demand, match_id=match.pk, actor=user)
        return demand

    return accept


@pytest.fixture
def confirmed(market, accepted):  # noqa: F811
    """A demand for 6 Chengdu cards, confirmed by Chengdu's staff: one order."""
    demand = accepted()
    services.scheduling_confirm(record=SchedulingRecord.objects.get(demand=demand), actor=market.staff["chengdu"])
    from orders.models import Order

    return Order.objects.get(reference=f"match:{demand.matches.get(rank=1).pk}")
