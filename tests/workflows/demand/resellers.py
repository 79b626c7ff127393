"""A reseller organisation with a standing 转售调度资格 (valid from 30 days ago to 30 days ahead) and a customer."""

import datetime
from typing import NamedTuple

from django.utils import timezone

from tests.catalog.factories import ProviderFactory
from tests.factories import OrganizationFactory, UserFactory
from workflows.onboarding.models import ResellerQualification


class QualifiedReseller(NamedTuple):
    user: object
    provider: object
    qualification: ResellerQualification
    customer: object


def qualified_reseller(*, number: str, customer_name: str, name: str | None = None, **provider) -> QualifiedReseller:
    organization = OrganizationFactory(city_id="510100", **({"name": name} if name else {}))
    supplier = ProviderFactory(organization=organization, is_reseller=True, **provider)
    user = UserFactory(roles=["reseller"], organization=organization)
    today = timezone.localdate()
    qualification = ResellerQualification.objects.create(
        provider=supplier,
        number=number,
        valid_from=today - datetime.timedelta(days=30),
        valid_until=today + datetime.timedelta(days=30),
        granted_by=UserFactory(roles=["node_operator"]),
    )
    customer = OrganizationFactory(city_id="510100", name=customer_name)
    return QualifiedReseller(user, supplier, qualification, customer)
