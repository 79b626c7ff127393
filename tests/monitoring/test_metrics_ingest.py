"""Flow 7: providers push samples (idempotent, scoped to their own resources); status updates feed samples."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from catalog import services as catalog_services
from monitoring.metrics.periods import hour_start
from monitoring.models import ResourceSample
from tests.catalog.factories import ComputeResourceFactory, ProviderFactory, SiteFactory

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
    assert sample.hour == BASE and sample.province_code == "510000"


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


def test_status_update_becomes_a_sample_and_counts_state_changes(resource, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.record_update_status(record=resource, changes={"available_units": 8, "state": "maintenance"})
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.record_update_status(record=resource, changes={"price_yuan": Decimal("9.00")})
    samples = list(ResourceSample.objects.order_by("sampled_at"))
    assert [(s.source, s.available_cards, s.state, s.state_changed) for s in samples] == [
        ("status", 8, "maintenance", True),
        ("status", 8, "maintenance", False),
    ]
