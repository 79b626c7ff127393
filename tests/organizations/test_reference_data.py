import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from organizations.models import Division, IndustryCategory
from organizations.roles import Role

pytestmark = pytest.mark.django_db


def test_reference_data_is_loaded_by_migrations():
    assert Division.objects.filter(level="province").count() == 34
    assert Division.objects.filter(level="city", parent_id="510000").count() == 21
    assert Division.objects.filter(level="city", parent_id="130000").count() == 11
    assert IndustryCategory.objects.count() == 207
    sections = {s: IndustryCategory.objects.filter(section=s).count() for s in "BCD"}
    assert sections == {"B": 19, "C": 179, "D": 9}
    assert set(Group.objects.values_list("name", flat=True)) >= {role.value for role in Role}


def test_known_rows():
    assert Division.objects.get(code="510100").name_zh == "成都市"
    assert Division.objects.get(code="130100").parent.name_zh == "河北省"
    assert IndustryCategory.objects.get(code="391").name == "计算机制造"


def test_load_reference_data_is_idempotent(capsys):
    before = (Division.objects.count(), IndustryCategory.objects.count(), Group.objects.count())
    call_command("load_reference_data")
    call_command("load_reference_data")
    assert (Division.objects.count(), IndustryCategory.objects.count(), Group.objects.count()) == before
    assert "industry_categories: 207" in capsys.readouterr().out


def test_reference_api_is_public(client):
    provinces = client.get("/api/v1/divisions/?level=province").json()
    assert len(provinces) == 34
    cities = client.get("/api/v1/divisions/?parent=510000").json()
    assert [c["code"] for c in cities][:2] == ["510100", "510300"]
    assert client.get("/api/v1/divisions/510700/").json()["name_zh"] == "绵阳市"
    assert client.get("/api/v1/divisions/999999/").status_code == 404
    industries = client.get("/api/v1/industries/").json()
    assert len(industries) == 207
    assert client.get("/api/v1/industries/441/").json()["name"] == "电力生产"
    assert client.get("/api/v1/industries/651/").status_code == 404  # software is not an industrial category
