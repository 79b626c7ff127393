"""A provider API key lives only as long as its creator's account and its provider's certification; the
denial is immediate (checked on every request). And every provider endpoint is scoped to the key's provider."""

import pytest
from rest_framework.test import APIClient

from catalog import services
from catalog.models import ComputeResource, OnboardingState
from tests.catalog.factories import ProviderFactory, SiteFactory
from tests.catalog.test_provider_api import PAYLOAD
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def keyed(make_user):
    provider = ProviderFactory(onboarding_state=OnboardingState.CERTIFIED)
    SiteFactory(provider=provider, code="SITE-A")
    creator = make_user("provider", organization=provider.organization)
    _, raw_key = services.api_key_create(provider=provider, name="ops", actor=creator)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    assert client.get("/api/v1/provider/resources/").status_code == 200
    return provider, creator, client


def refused_everywhere(client) -> bool:
    read = client.get("/api/v1/provider/resources/")
    write = client.put("/api/v1/provider/resources/gpu-01/", PAYLOAD, format="json")
    return read.status_code == 401 and write.status_code == 401 and not ComputeResource.objects.exists()


def test_a_key_dies_with_its_creators_account(keyed):
    provider, creator, client = keyed
    creator.is_active = False
    creator.save(update_fields=["is_active"])
    assert refused_everywhere(client)


def test_a_key_dies_when_its_creator_leaves_the_organisation(keyed):
    provider, creator, client = keyed
    creator.organization = OrganizationFactory()
    creator.save(update_fields=["organization"])
    assert refused_everywhere(client)


@pytest.mark.parametrize("state", [OnboardingState.SUSPENDED, OnboardingState.REJECTED])
def test_a_key_dies_with_its_providers_certification(keyed, state):
    provider, creator, client = keyed
    provider.onboarding_state = state
    provider.save(update_fields=["onboarding_state"])
    assert refused_everywhere(client)
    # and comes back only with the certification
    provider.onboarding_state = OnboardingState.CERTIFIED
    provider.save(update_fields=["onboarding_state"])
    assert client.get("/api/v1/provider/resources/").status_code == 200


def test_the_site_list_shows_only_the_keys_own_provider(keyed):
    provider, creator, client = keyed
    SiteFactory(provider=provider, code="SITE-B")
    SiteFactory(provider=ProviderFactory(), code="OTHER-1")
    body = client.get("/api/v1/provider/sites/").json()
    assert sorted(site["code"] for site in body["results"]) == ["SITE-A", "SITE-B"]
