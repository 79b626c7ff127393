"""Factories of the catalogue."""

from decimal import Decimal

import factory

from catalog.models import ComputeResource, ListingState, NetworkLine, OnboardingState, Provider, Site
from tests.factories import OrganizationFactory


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    organization = factory.SubFactory(OrganizationFactory)
    onboarding_state = OnboardingState.CERTIFIED
    is_resource_provider = True


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    provider = factory.SubFactory(ProviderFactory)
    code = factory.Sequence(lambda n: f"SITE-{n:03d}")
    name = factory.Sequence(lambda n: f"测试数据中心{n}")
    city_id = "510100"
    province_id = factory.LazyAttribute(lambda o: o.city_id[:2] + "0000")
    pue = Decimal("1.25")


class ComputeResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ComputeResource

    site = factory.SubFactory(SiteFactory)
    provider = factory.LazyAttribute(lambda o: o.site.provider)
    external_id = factory.Sequence(lambda n: f"R-{n:04d}")
    name = factory.Sequence(lambda n: f"测试算力资源{n}")
    resource_class = "intelligent"
    accelerator_model = "NVIDIA A100 80GB (SXM4)"
    accelerator_vendor = "NVIDIA"
    accelerators_per_node = 8
    node_count = 4
    price_yuan = Decimal("12.00")
    available_units = 16
    listing_state = ListingState.APPROVED


class NetworkLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NetworkLine

    to_site = factory.SubFactory(SiteFactory)
    provider = factory.SubFactory(ProviderFactory, is_resource_provider=False, is_line_provider=True)
    external_id = factory.Sequence(lambda n: f"L-{n:04d}")
    name = factory.Sequence(lambda n: f"测试专线{n}")
    kind = "dedicated_line"
    from_city_id = "510700"
    bandwidth_mbps = 1000
    price_yuan_per_month = Decimal("12000")
    listing_state = ListingState.APPROVED


def ensure_reference_data() -> None:
    """For transactional tests: an earlier transactional test (anywhere) may have flushed the
    reference data the migrations loaded; put it back (idempotent)."""
    from django.contrib.auth.models import Group

    from catalog.models import AcceleratorModel
    from catalog.reference_data import load_accelerators
    from organizations.models import Division, IndustryCategory
    from organizations.reference_data import load_all

    if not Division.objects.filter(code="510100").exists():
        load_all(Division=Division, IndustryCategory=IndustryCategory, Group=Group)
    if not AcceleratorModel.objects.exists():
        load_accelerators(AcceleratorModel)
