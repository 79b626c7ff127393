import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from organizations.models import Authority
from organizations.roles import Role
from organizations.selectors import authority_list_covering, jurisdiction_q, organization_list_for_user

pytestmark = pytest.mark.django_db


def test_covers_by_level(chengdu_bureau, sichuan_comms, ministry):
    assert chengdu_bureau.covers("510100")
    assert not chengdu_bureau.covers("510700")
    assert not chengdu_bureau.covers("510000")
    assert sichuan_comms.covers("510700") and sichuan_comms.covers("510000")
    assert not sichuan_comms.covers("130100")
    assert ministry.covers("130100") and ministry.covers(None)
    assert not chengdu_bureau.covers(None)


def test_clean_refuses_inconsistent_authorities():
    wrong_department = Authority(
        name="x", level="city", department="communications_administration", division_id="510100"
    )
    with pytest.raises(ValidationError) as error:
        wrong_department.full_clean()
    assert "department" in error.value.message_dict

    city_on_province = Authority(name="y", level="city", department="municipal_economy_it", division_id="510000")
    with pytest.raises(ValidationError) as error:
        city_on_province.full_clean()
    assert "division" in error.value.message_dict

    ministry_with_place = Authority(name="z", level="ministry", department="ministry_ict", division_id="510000")
    with pytest.raises(ValidationError) as error:
        ministry_with_place.full_clean()
    assert "division" in error.value.message_dict


def test_database_refuses_a_ministry_with_a_division_and_a_province_without_one():
    with pytest.raises(IntegrityError), transaction.atomic():
        Authority.objects.create(name="z", level="ministry", department="ministry_ict", division_id="510000")
    with pytest.raises(IntegrityError), transaction.atomic():
        Authority.objects.create(name="p", level="province", department="industry_it", division=None)
    assert not Authority.objects.filter(name__in=["z", "p"]).exists()


def test_organizations_visible_by_jurisdiction(
    make_user, chengdu_bureau, mianyang_bureau, sichuan_comms, ministry, chengdu_org, mianyang_org
):
    from tests.factories import OrganizationFactory

    hebei_org = OrganizationFactory(name="河北测试有限公司", city_id="130100")
    province_only = OrganizationFactory(name="只知道省份的单位", city_id=None, province_id="510000")

    def visible(user):
        return set(organization_list_for_user(user=user).values_list("name", flat=True))

    assert visible(make_user(Role.MUNICIPAL_REVIEWER, authority=chengdu_bureau)) == {chengdu_org.name}
    assert visible(make_user(Role.MUNICIPAL_REVIEWER, authority=mianyang_bureau)) == {mianyang_org.name}
    assert visible(make_user(Role.PROVINCIAL_REVIEWER, authority=sichuan_comms)) == {
        chengdu_org.name,
        mianyang_org.name,
        province_only.name,
    }
    assert {hebei_org.name, chengdu_org.name} <= visible(make_user(Role.MINISTRY_REVIEWER, authority=ministry))
    assert visible(make_user(Role.APPLICANT, organization=chengdu_org)) == {chengdu_org.name}
    assert visible(make_user()) == set()


def test_jurisdiction_q_matches_nothing_for_users_without_an_authority(make_user, chengdu_org):
    from organizations.models import Organization

    applicant = make_user(Role.APPLICANT, organization=chengdu_org)
    assert Organization.objects.filter(jurisdiction_q(user=applicant, field="city__code")).count() == 0


def test_authorities_covering_a_place(chengdu_bureau, mianyang_bureau, sichuan_comms, ministry):
    names = set(authority_list_covering(division_code="510100").values_list("name", flat=True))
    assert names == {chengdu_bureau.name, sichuan_comms.name, ministry.name}
