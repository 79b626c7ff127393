import datetime

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError

from organizations.models import Organization
from tests.factories import OrganizationFactory, TelecomLicenceFactory

pytestmark = pytest.mark.django_db


def test_city_must_lie_in_the_province():
    organization = OrganizationFactory.build(city_id="130100", province_id="510000")
    with pytest.raises(ValidationError) as error:
        organization.full_clean()
    assert list(error.value.message_dict) == ["city"]


def test_dishonesty_record_needs_a_date_and_counts_for_three_years():
    organization = OrganizationFactory(has_major_dishonesty=True, dishonesty_recorded_on=datetime.date(2023, 11, 23))
    organization.full_clean()
    assert organization.has_dishonesty_within(on=datetime.date(2026, 11, 22))
    assert not organization.has_dishonesty_within(on=datetime.date(2026, 11, 23))
    undated = OrganizationFactory.build(has_major_dishonesty=True)
    with pytest.raises(ValidationError) as error:
        undated.full_clean()
    assert list(error.value.message_dict) == ["dishonesty_recorded_on"]


def test_valid_telecom_licences_by_date():
    licence = TelecomLicenceFactory(valid_until=datetime.date(2026, 3, 17), categories=["B11", "B21"])
    organization = licence.organization
    assert list(organization.valid_telecom_licences(on=datetime.date(2026, 3, 17))) == [licence]
    assert list(organization.valid_telecom_licences(on=datetime.date(2026, 3, 18))) == []
    assert licence.category_labels == ["B11 互联网数据中心业务", "B21 在线数据处理与交易处理业务"]


@pytest.mark.parametrize(("categories", "message"), [([], "不能为空"), (["B99"], "B99"), ("B11", "至少")])
def test_telecom_categories_are_checked(categories, message):
    licence = TelecomLicenceFactory.build(organization=OrganizationFactory(), categories=categories)
    with pytest.raises(ValidationError) as error:
        licence.full_clean()
    assert message in error.value.message_dict["categories"][0]


def test_changes_are_in_the_audit_trail():
    organization = OrganizationFactory(registered_capital=50_000_000)
    organization.registered_capital = 60_000_000
    organization.save()
    entries = LogEntry.objects.get_for_object(organization).order_by("timestamp")
    assert [entry.action for entry in entries] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    assert entries.last().changes_dict["registered_capital"] == ["50000000.00", "60000000"]
    assert Organization.objects.count() == 1
