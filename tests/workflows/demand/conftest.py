"""A small market: three providers (Chengdu, Mianyang, Shijiazhuang) with A100 pools, lines from
Chengdu, one demanding user, and the staff of each provider."""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from organizations.models import Division
from tests.catalog.factories import ComputeResourceFactory, NetworkLineFactory, ProviderFactory, SiteFactory
from tests.factories import OrganizationFactory, UserFactory
from workflows.demand import services


@dataclass
class Market:
    providers: dict
    resources: dict
    staff: dict
    user: object
    stranger: object


@pytest.fixture
def market(db):
    providers, resources, staff = {}, {}, {}
    for key, city, price, cards in (
        ("chengdu", "510100", "12.00", 8),
        ("mianyang", "510700", "10.00", 16),
        ("hebei", "130100", "8.00", 32),
    ):
        organization = OrganizationFactory(city_id=city)
        provider = ProviderFactory(organization=organization)
        site = SiteFactory(provider=provider, city_id=city)
        resources[key] = ComputeResourceFactory(site=site, price_yuan=Decimal(price), available_units=cards)
        providers[key] = provider
        staff[key] = UserFactory(roles=["provider"], organization=organization)
    for key, latency in (("chengdu", "1.0"), ("mianyang", "3.0"), ("hebei", "28.0")):
        NetworkLineFactory(from_city_id="510100", to_site=resources[key].site, latency_ms=Decimal(latency))
    user = UserFactory(organization=OrganizationFactory(city_id="510100"))
    stranger = UserFactory(organization=OrganizationFactory(city_id="510100"))
    return Market(providers=providers, resources=resources, staff=staff, user=user, stranger=stranger)


def demand_data(**overrides) -> dict:
    data = {
        "resource_class": "intelligent",
        "accelerator_model": "NVIDIA A100 80GB (SXM4)",
        "card_count": 8,
        "duration_hours": 24,
        "city": Division.objects.get(code="510100"),
    }
    data.update(overrides)
    return data


@pytest.fixture
def submit(market):
    def submit(**overrides):
        return services.demand_submit(user=market.user, data=demand_data(**overrides))

    return submit


@pytest.fixture
def codes(market):
    """The market's resources' identifiers, issued."""
    from catalog.services import identifier_issue

    return {key: identifier_issue(record=r, actor=None).code for key, r in market.resources.items()}
