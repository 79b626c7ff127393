"""Two buyers accept plans for the last cards at the same moment: exactly one wins (PostgreSQL)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from orders.models import Hold
from orders.selectors import capacity_of
from tests.workflows.demand.conftest import demand_data
from workflows.demand import services

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_buyers_behind_a_barrier_for_the_last_cards_exactly_one_wins(on_postgres, market):
    chengdu = market.resources["chengdu"]  # 8 cards
    buyers = (market.user, market.stranger)
    demands = [services.demand_submit(user=user, data=demand_data(max_latency_ms="5", card_count=6)) for user in buyers]
    matches = [demand.matches.get(rank=1) for demand in demands]
    assert all(chengdu in match.resources.all() for match in matches)  # both were offered the same cards
    barrier = threading.Barrier(2)
    won, refused, errors = [], [], []

    def accept(demand, match, user):
        try:
            barrier.wait(timeout=10)
            services.demand_accept(demand=demand, match_id=match.pk, actor=user)
            won.append(user.pk)
        except ValidationError as error:
            refused.append(str(error))
        except Exception as error:  # anything else is a failure of the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=accept, args=(demand, match, user))
        for demand, match, user in zip(demands, matches, buyers, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(won) == 1 and len(refused) == 1 and "余量不足" in refused[0]
    assert capacity_of(resource_id=chengdu.pk)["held_units"] == 6
    assert list(Hold.objects.values_list("buyer_user_id", flat=True)) == won
