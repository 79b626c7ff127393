"""factory_boy factories shared by every test suite."""

import factory
from django.contrib.auth.models import Group

from organizations.models import Authority, Organization, TelecomLicence, User
from organizations.roles import Role
from organizations.uscc import ALPHABET, make_uscc


def _body(n: int) -> str:
    """A unique 8-character organisation code body from the USCC alphabet."""
    digits = []
    for _ in range(6):
        n, remainder = divmod(n, len(ALPHABET))
        digits.append(ALPHABET[remainder])
    return "MA" + "".join(reversed(digits))


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"测试单位{n}有限公司")
    kind = "enterprise"
    city_id = "510100"
    province_id = factory.LazyAttribute(lambda o: (o.city_id or "510000")[:2] + "0000")
    uscc = factory.Sequence(lambda n: make_uscc(division="510100", body=_body(n)))
    registered_capital = 100_000_000


class TelecomLicenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TelecomLicence

    organization = factory.SubFactory(OrganizationFactory)
    number = factory.Sequence(lambda n: f"B1-2025{n:04d}")
    categories = factory.LazyFunction(lambda: ["B11"])
    valid_until = "2030-12-31"


class AuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Authority
        django_get_or_create = ["department", "division_id"]

    name = factory.Sequence(lambda n: f"测试主管部门{n}")
    level = "city"
    department = "municipal_economy_it"
    division_id = "510100"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    password = factory.django.Password("Correct-horse-42")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.set(Group.objects.filter(name__in=[Role(role).value for role in extracted]))
