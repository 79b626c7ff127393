"""The accept API's Idempotency-Key is kept in the database: a retry reaching another process (another test
client, no shared cache) gets the first 201; a different request with the key 422; another caller's same
key is a key of its own; records older than 24 hours are pruned by the periodic task."""

import threading
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connections
from django.test import Client
from django.utils import timezone

from orders.models import ApiIdempotencyRecord, Hold, HoldState
from orders.tasks import api_idempotency_prune
from portal.worker.schedule import entry_named
from tests.orders.test_holds_api import _buyer, _demand, _post

pytestmark = pytest.mark.django_db


def _accept(client, demand, match, headers, key="retry-1"):
    url = f"/api/v1/demands/{demand.pk}/accept/"
    return _post(client, url, {"match": match.pk}, HTTP_IDEMPOTENCY_KEY=key, **headers)


def test_a_retry_through_another_client_gets_the_first_201_and_holds_once(market):
    demand, match = _demand(market)
    buyer = _buyer(market.user)
    first = _accept(Client(), demand, match, buyer)
    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first.headers

    cache.clear()  # the retry reaches another process: nothing of the first request in its cache
    retry = _accept(Client(), demand, match, buyer)
    assert retry.status_code == 201, retry.content
    assert retry.json() == first.json() and retry.headers["Idempotent-Replayed"] == "true"
    assert Hold.objects.filter(state=HoldState.HELD).count() == 1
    record = ApiIdempotencyRecord.objects.get()
    assert (record.caller_id, record.key, record.status_code) == (market.user.pk, "retry-1", 201)
    assert record.body == first.json()

    # without the key, the same request is a second accept: 409 and still one hold
    again = _post(Client(), f"/api/v1/demands/{demand.pk}/accept/", {"match": match.pk}, **buyer)
    assert again.status_code == 409 and Hold.objects.count() == 1


def test_the_same_key_for_a_different_request_answers_422_in_chinese(client, market):
    demand, match = _demand(market)
    other_demand, other_match = _demand(market, card_count=2)
    buyer = _buyer(market.user)
    assert _accept(client, demand, match, buyer).status_code == 201

    reused = _accept(client, other_demand, other_match, buyer)
    assert reused.status_code == 422, reused.content
    assert "该幂等键已用于内容不同的请求" in reused.json()["Idempotency-Key"][0]
    assert Hold.objects.count() == 1  # the other demand's cards were not held
    assert _accept(client, other_demand, other_match, buyer, key="retry-2").status_code == 201


def test_another_callers_same_key_neither_reads_the_answer_nor_is_refused(client, market):
    demand, match = _demand(market, card_count=2)
    first = _accept(client, demand, match, _buyer(market.user))
    assert first.status_code == 201

    stranger = _buyer(market.stranger)
    # the first caller's demand: 404, not its stored answer
    peek = _accept(client, demand, match, stranger)
    assert peek.status_code == 404 and "holds" not in peek.content.decode()
    # the stranger's own demand with the same key: a new request with its own holds
    own_demand, own_match = _demand_of(market, market.stranger)
    own = _accept(client, own_demand, own_match, stranger)
    assert own.status_code == 201, own.content
    assert own.json()["demand"] == own_demand.pk and "Idempotent-Replayed" not in own.headers
    assert {hold["id"] for hold in own.json()["holds"]}.isdisjoint({hold["id"] for hold in first.json()["holds"]})
    assert ApiIdempotencyRecord.objects.filter(key="retry-1").count() == 2


def _demand_of(market, user):
    from tests.workflows.demand.conftest import demand_data
    from workflows.demand import services

    demand = services.demand_submit(user=user, data=demand_data(max_latency_ms="5", card_count=2))
    return demand, demand.matches.get(rank=1)


def test_a_refused_accept_keeps_no_record_and_a_too_long_key_is_a_field_error(client, market):
    demand, match = _demand(market)
    rival, rival_match = _demand(market)
    buyer = _buyer(market.user)
    assert _post(client, f"/api/v1/demands/{demand.pk}/accept/", {"match": match.pk}, **buyer).status_code == 201
    short = _accept(client, rival, rival_match, buyer, key="rival")
    assert short.status_code == 409 and "余量不足" in short.json()["detail"]
    assert not ApiIdempotencyRecord.objects.exists()  # rolled back with the refused accept: the key is not used up

    long_key = _accept(client, rival, rival_match, buyer, key="k" * 129)
    assert long_key.status_code == 400 and "128" in long_key.json()["Idempotency-Key"][0]


def test_records_older_than_24_hours_are_pruned_by_the_periodic_task(client, market):
    demand, match = _demand(market, card_count=2)
    other, other_match = _demand(market, card_count=2)
    buyer = _buyer(market.user)
    assert _accept(client, demand, match, buyer, key="old").status_code == 201
    assert _accept(client, other, other_match, buyer, key="young").status_code == 201
    ApiIdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=24, minutes=1))
    ApiIdempotencyRecord.objects.filter(key="young").update(created_at=timezone.now() - timedelta(hours=23))

    assert api_idempotency_prune.call() == {"deleted": 1}
    assert list(ApiIdempotencyRecord.objects.values_list("key", flat=True)) == ["young"]
    assert entry_named("api_idempotency_prune").task == "orders.tasks.api_idempotency_prune"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clients_in_two_threads_with_one_key_hold_once_and_both_get_the_first_201(on_postgres, market):
    demand, match = _demand(market)
    buyer = _buyer(market.user)
    barrier = threading.Barrier(2)
    answers, errors = [], []

    def retry():
        try:
            barrier.wait(timeout=10)
            response = _accept(Client(), demand, match, buyer)
            answers.append((response.status_code, response.json()))
        except Exception as error:  # anything else is a failure of the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=retry) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert [status for status, _body in answers] == [201, 201], answers
    assert answers[0][1] == answers[1][1]
    assert Hold.objects.filter(state=HoldState.HELD).count() == 1
    assert ApiIdempotencyRecord.objects.count() == 1
