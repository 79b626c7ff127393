"""Under `make run` the operators' headline figures move: provider API calls reach "近一小时接口请求"
(the serving process writes its request buffer on a timer) and a pass of the real database-backed worker
rolls the pushed samples up into today's utilisation."""

import datetime
import time

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from catalog import services as catalog_services
from monitoring.models import ApiRequestStat

from .metrics_helpers import a100_resource


def _wait_for_requests(expected: int, timeout: float = 10.0) -> int:
    deadline = time.monotonic() + timeout
    while (written := ApiRequestStat.objects.aggregate(n=Sum("count"))["n"] or 0) < expected:
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return written


@pytest.mark.django_db(transaction=True)
def test_provider_calls_and_a_worker_pass_move_the_headline(settings, make_user, operator_client):
    settings.METRICS_REQUEST_FLUSH_SECONDS = 0.2  # as under make run, shorter (default 5 s)
    resource = a100_resource()  # 32 cards
    user = make_user("provider", organization=resource.provider.organization)
    _, raw_key = catalog_services.api_key_create(provider=resource.provider, name="metrics", actor=user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    moment = timezone.now() - datetime.timedelta(seconds=10)
    for seconds, available in ((10, 16), (5, 16)):
        sample = {"resource": "A100-01", "sampled_at": (moment + datetime.timedelta(seconds=seconds)).isoformat()}
        response = api.post(
            "/api/v1/provider/metrics/", {"samples": [sample | {"available_cards": available}]}, format="json"
        )
        assert response.status_code == 200, response.content
    assert api.get("/api/v1/provider/resources/").status_code == 200

    # three calls, far fewer than METRICS_REQUEST_FLUSH_EVERY (200): the timer writes them
    assert _wait_for_requests(3) == 3
    before = operator_client.get("/monitoring/headline/").json()
    assert before["api_requests_last_hour"] == 3
    assert before["utilisation_today_percent"] is None  # nothing rolled up yet

    call_command(
        "run_worker", "--backend", "database", "--batch", "--enqueue", "metrics_resource_rollup",
        "--enqueue", "metrics_rollup",
    )  # fmt: skip

    results = dict(DBTaskResult.objects.values_list("task_path", "status"))
    assert results == {
        "monitoring.tasks.metrics_resource_rollup": "SUCCESSFUL",
        "monitoring.tasks.metrics_rollup": "SUCCESSFUL",
    }
    after = operator_client.get("/monitoring/headline/").json()
    assert after["api_requests_last_hour"] == 3
    assert after["utilisation_today_percent"] == 50.0  # 16 of 32 cards in use
