"""Denied object access shows as a 404 (nothing is said about what exists); it lands on the security log."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from catalog import services as catalog_services
from security.models import SecurityEvent
from tests.catalog.factories import ComputeResourceFactory, ProviderFactory

MIDDLEWARE = "security.middleware.AccessDeniedMiddleware"


@pytest.fixture(autouse=True)
def _installed(settings):
    if MIDDLEWARE not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE]


def test_another_providers_key_is_a_404_and_an_access_denied_event(client, make_user):
    provider, other = ProviderFactory(), ProviderFactory()
    other_key, _ = catalog_services.api_key_create(provider=other, name="B", actor=make_user("provider"))
    intruder = make_user("provider", organization=provider.organization)
    client.force_login(intruder)
    url = f"/catalog/provider/api-keys/{other_key.pk}/revoke/"
    assert client.post(url, REMOTE_ADDR="198.51.100.9").status_code == 404
    event = SecurityEvent.objects.get()
    assert (event.kind, event.user, event.ip_address, event.path) == ("access_denied", intruder, "198.51.100.9", url)
    assert event.detail == "对象不存在或不在权限范围内：catalog:api-key-revoke"


def test_the_event_reads_the_same_whatever_language_the_intruder_uses(client, make_user):
    provider, other = ProviderFactory(), ProviderFactory()
    other_key, _ = catalog_services.api_key_create(provider=other, name="B", actor=make_user("provider"))
    client.force_login(make_user("provider", organization=provider.organization))
    assert client.post(f"/en/catalog/provider/api-keys/{other_key.pk}/revoke/").status_code == 404
    assert SecurityEvent.objects.get().detail == "对象不存在或不在权限范围内：catalog:api-key-revoke"


def test_a_pushed_sample_for_another_providers_resource_is_recorded_against_the_key(make_user):
    resource = ComputeResourceFactory(external_id="THEIRS-01")
    provider = ProviderFactory()
    owner = make_user("provider", organization=provider.organization)
    _, raw_key = catalog_services.api_key_create(provider=provider, name="metrics", actor=owner)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    sample = {"resource": resource.external_id, "sampled_at": timezone.now().isoformat(), "available_cards": 1}
    assert client.post("/api/v1/provider/metrics/", {"samples": [sample]}, format="json").status_code == 404
    event = SecurityEvent.objects.get()
    assert (event.kind, event.user, event.path) == ("access_denied", owner, "/api/v1/provider/metrics/")
    assert event.detail.endswith("v1:provider-metrics")


def test_misses_on_public_pages_and_unknown_urls_and_anonymous_404s_are_not_recorded(client, make_user):
    client.post("/catalog/provider/api-keys/999999/revoke/")  # anonymous: sent to log in, nothing recorded
    client.force_login(make_user("applicant"))
    assert client.get("/catalog/r/CN.510000.NO.SUCH.CODE/").status_code == 404  # public record page
    assert client.get("/catalog/providers/999999/").status_code == 404  # public provider directory
    assert client.get("/no/such/page/").status_code == 404  # Wagtail's catch-all: no page there
    assert client.get("/api/v1/divisions/999999/").status_code == 404  # open reference data
    assert not SecurityEvent.objects.exists()


def test_a_protected_page_that_is_found_records_nothing(client, make_user):
    provider = ProviderFactory()
    client.force_login(make_user("provider", organization=provider.organization))
    assert client.get("/catalog/provider/api-keys/").status_code == 200
    yesterday = timezone.now() - datetime.timedelta(days=1)
    assert not SecurityEvent.objects.filter(occurred_at__gte=yesterday).exists()
