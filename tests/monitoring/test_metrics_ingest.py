"""Flow 7: providers push samples (idempotent, scoped to their own resources); status updates feed samples."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from catalog import services as catalog_services
from monitoring.metrics.feed import CURSOR, resource_samples_from_feed
from monitoring.metrics.periods import hour_start
from monitoring.models import ResourceRollupPending, ResourceSample
from tests.catalog.factories import ComputeResourceFactory, ProviderFactory, SiteFactory
from tests.changes.cursors import cursor_at_sequence_end

pytestmark = pytest.mark.django_db
URL = "/api/v1/provider/metrics/"
# a recent local hour: the endpoint refuses samples from the future or beyond the retention
BASE = hour_start(timezone.now() - datetime.timedelta(days=1))


@pytest.fixture
def resource():
    site = SiteFactory(code="SITE-A")
    return ComputeResourceFactory(site=site, external_id="A100-01", node_count=4, accelerators_per_node=8)


@pytest.fixture
def client_for(make_user):
    def make(provider):
        user = make_user("provider", organization=provider.organization)
        _, raw_key = catalog_services.api_key_create(provider=provider, name="metrics", actor=user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
        return client

    return make


def _batch(*minutes, available=20):
    return {
        "samples": [
            {
                "resource": "A100-01",
                "sampled_at": (BASE + datetime.timedelta(minutes=m)).isoformat(),
                "available_cards": available,
            }
            for m in minutes
        ]
    }


def test_push_is_idempotent_per_sample_timestamp(resource, client_for):
    client = client_for(resource.provider)
    first = client.post(URL, _batch(0, 5, 10), format="json")
    assert first.status_code == 200
    assert first.json() == {"accepted": {"samples": 3, "app_usage": 0}, "duplicates": {"samples": 0, "app_usage": 0}}
    again = client.post(URL, _batch(5, 10, 15, 15), format="json")
    assert again.json()["accepted"]["samples"] == 1
    assert again.json()["duplicates"]["samples"] == 3
    assert ResourceSample.objects.count() == 4
    sample = ResourceSample.objects.get(sampled_at=BASE + datetime.timedelta(minutes=5))
    assert (sample.installed_cards, sample.available_cards, sample.utilisation_percent) == (32, 20, 37.5)
    assert sample.hour == BASE and sample.source == "push"


def test_another_providers_key_cannot_push_samples(resource, client_for):
    intruder = client_for(ProviderFactory())
    response = intruder.post(URL, _batch(0), format="json")
    assert response.status_code == 404
    assert ResourceSample.objects.count() == 0


def test_bad_sample_is_a_field_error_and_nothing_is_stored(resource, client_for):
    client = client_for(resource.provider)
    batch = _batch(0, 5)
    batch["samples"][1]["available_cards"] = -3
    batch["samples"][0]["sampled_at"] = (timezone.now() + datetime.timedelta(hours=1)).isoformat()  # future
    response = client.post(URL, batch, format="json")
    assert response.status_code == 400
    errors = response.json()["samples"]
    assert set(errors) == {"0", "1"}
    assert "available_cards" in errors["1"] and "sampled_at" in errors["0"]
    assert ResourceSample.objects.count() == 0


def test_without_a_key_the_endpoint_refuses(resource):
    assert APIClient().post(URL, _batch(0), format="json").status_code in (401, 403)


def test_status_update_becomes_a_sample_and_counts_state_changes(resource):
    cursor_at_sequence_end(CURSOR)  # the worker's consumer was running: its cursor stands at the feed's end
    catalog_services.record_update_status(record=resource, changes={"available_units": 8, "state": "maintenance"})
    catalog_services.record_update_status(record=resource, changes={"price_yuan": Decimal("9.00")})
    assert resource_samples_from_feed() == {"changes": 2, "samples": 2}
    samples = list(ResourceSample.objects.order_by("sampled_at"))
    assert [(s.source, s.available_cards, s.state, s.state_changed) for s in samples] == [
        ("status", 8, "maintenance", True),
        ("status", 8, "maintenance", False),
    ]


def test_a_plainly_invalid_value_of_any_kind_is_a_field_error_not_a_crash(resource, client_for):
    client = client_for(resource.provider)
    batch = _batch(0, 5, 10, 15, 20, 25, 30)
    samples = batch["samples"]
    samples[0]["state"] = ["online"]  # not a string
    samples[1]["sampled_at"] = "2026-13-45T10:00:00+08:00"  # well formed, not a date
    samples[2]["utilisation_percent"] = 100.5
    samples[3]["available_cards"] = True
    samples[4]["resource"] = "   "
    samples[5] = ["not", "an", "object"]
    del samples[6]["available_cards"]
    response = client.post(URL, batch, format="json")
    assert response.status_code == 400
    assert response.json()["samples"] == {
        "0": {"state": ["运行状态应为 online、maintenance 或 offline。"]},
        "1": {"sampled_at": ["请使用 ISO 8601 时间，如 2026-03-02T10:05:00+08:00。"]},
        "2": {"utilisation_percent": ["请填写 0–100 之间的数。"]},
        "3": {"available_cards": ["请填写非负整数（张）。"]},
        "4": {"resource": ["请填写服务商侧编号。"]},
        "5": {"non_field_errors": ["应为对象。"]},
        "6": {"available_cards": ["该字段是必填项。"]},
    }
    assert ResourceSample.objects.count() == 0


def test_whole_numbers_written_as_decimals_and_naive_local_times_are_accepted(resource, client_for):
    client = client_for(resource.provider)
    local = BASE.astimezone(datetime.timezone(datetime.timedelta(hours=8))).replace(tzinfo=None)
    batch = {
        "samples": [
            {"resource": "A100-01", "sampled_at": local.isoformat(), "available_cards": 8.0, "utilisation_percent": 75}
        ]
    }
    response = client.post(URL, batch, format="json")
    assert response.status_code == 200, response.content
    sample = ResourceSample.objects.get()
    assert (sample.sampled_at, sample.available_cards, sample.utilisation_percent) == (BASE, 8, 75.0)


def test_malformed_json_and_oversized_batches_are_refused(resource, client_for):
    client = client_for(resource.provider)
    broken = client.post(URL, data=b'{"samples": [', content_type="application/json")
    assert broken.status_code == 400
    assert "请求体不是有效的 JSON" in broken.json()["detail"]
    too_many = client.post(URL, _batch(*range(5001)), format="json")
    assert too_many.status_code == 400
    assert too_many.json() == {"samples": {"": {"non_field_errors": ["每批最多 5000 条。"]}}}
    assert ResourceSample.objects.count() == 0


def test_one_foreign_record_in_a_batch_refuses_the_whole_batch(resource, client_for):
    foreign = ComputeResourceFactory(external_id="OTHER-01")
    batch = _batch(0, 5)
    batch["samples"].append({**batch["samples"][0], "resource": foreign.external_id})
    response = client_for(resource.provider).post(URL, batch, format="json")
    assert response.status_code == 404
    assert ResourceSample.objects.count() == 0


def test_a_pushed_batch_queues_its_hours_for_the_rollup(resource, client_for):
    client = client_for(resource.provider)
    client.post(URL, _batch(0, 5, 65), format="json")  # two local hours
    client.post(URL, _batch(0, 5, 65), format="json")  # a re-post queues nothing
    assert sorted(ResourceRollupPending.objects.values_list("resource_id", "hour", "samples")) == [
        (resource.pk, BASE, 2),
        (resource.pk, BASE + datetime.timedelta(hours=1), 1),
    ]


def test_a_concurrent_duplicate_makes_the_ingest_start_over_with_exact_sums(resource, monkeypatch):
    from monitoring.metrics import ingest

    real, calls = ingest._execute_insert, []

    def as_if_raced(model, columns, rows, **options):
        inserted = real(model, columns, rows, **options)
        calls.append(model)
        if model is ResourceSample and calls.count(ResourceSample) == 1:
            return inserted - 1  # as if a concurrent transaction had stored one of them first
        return inserted

    monkeypatch.setattr(ingest, "_execute_insert", as_if_raced)
    samples = [
        {"resource": "A100-01", "sampled_at": BASE + datetime.timedelta(minutes=m), "available_cards": 8}
        for m in (0, 5, 10)
    ]
    result = ingest.resource_samples_ingest(resources={"A100-01": resource}, samples=samples)
    assert result == ingest.IngestResult(accepted=3, duplicates=0)
    assert calls.count(ResourceSample) == 2  # the first attempt was undone, the second stored them
    assert ResourceSample.objects.count() == 3
    assert list(ResourceRollupPending.objects.values_list("samples", "available_cards_sum")) == [(3, 24)]
