"""A division rename reaches the change feed in the same transaction as the rename (its names are
the place of every site in it: search text and hits, catalogue pages)."""

import pytest
from django.db import transaction

from changes.models import Change
from organizations.admin import DivisionAdmin
from organizations.models import Division
from organizations.services import division_save

pytestmark = pytest.mark.django_db


def test_a_division_rename_appends_one_change_with_its_code():
    city = Division.objects.get(code="510100")
    city.name_zh = "成都市（新）"
    division_save(division=city)
    assert list(Change.objects.values_list("record_type", "record_id", "kind", "area")) == [
        ("division", 510100, "described", "510000")
    ]
    assert Division.objects.get(code="510100").name_zh == "成都市（新）"


def test_a_rename_rolled_back_leaves_neither_the_name_nor_the_change():
    city = Division.objects.get(code="510100")
    city.name_zh = "不会留下"
    with pytest.raises(RuntimeError), transaction.atomic():
        division_save(division=city)
        raise RuntimeError("the admin's transaction failed later")
    assert Change.objects.count() == 0 and Division.objects.get(code="510100").name_zh != "不会留下"


def test_the_admin_saves_through_the_service(rf):
    from django.contrib.admin.sites import site

    city = Division.objects.get(code="510100")
    city.name_en = "Chengdu (renamed)"
    DivisionAdmin(Division, site).save_model(rf.post("/"), city, form=None, change=True)
    assert Change.objects.filter(record_type="division", record_id=510100).count() == 1
