"""POST /api/v1/demands/ and GET /api/v1/demands/<id>/."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from workflows.demand.models import Demand

URL = "/api/v1/demands/"


@pytest.fixture
def api(market):
    client = APIClient()
    client.force_authenticate(market.user)
    return client


BODY = {
    "resource_class": "intelligent",
    "accelerator_model": "NVIDIA A100 80GB (SXM4)",
    "card_count": 8,
    "duration_hours": 24,
    "city": "510100",
    "max_latency_ms": "5",
    "budget_yuan": "10000",
}


def test_post_returns_the_demand_with_ranked_explained_matches(api, market):
    response = api.post(URL, BODY, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "matched"
    assert [m["rank"] for m in body["matches"]] == [1, 2]
    first = body["matches"][0]
    assert first["allotments"][0]["resource_id"] == market.resources["chengdu"].pk
    assert first["allotments"][0]["line"]["latency_ms"] == "1.00"
    assert first["total_price_yuan"] == "2704.00"  # 8 × ¥12 × 24 h + ¥12,000/month × 24/720
    assert [c["key"] for c in first["explanation"]["components"]] == [
        "price",
        "latency",
        "reliability",
        "province",
        "certification",
        "consolidation",
    ]
    assert first["explanation"]["text"].startswith("得分")
    assert float(first["score"]) >= float(body["matches"][1]["score"])


def test_get_is_for_the_owner_only(api, market):
    demand_id = api.post(URL, BODY, format="json").json()["id"]
    assert api.get(f"{URL}{demand_id}/").json()["id"] == demand_id
    assert [d["id"] for d in api.get(URL).json()["results"]] == [demand_id]
    other = APIClient()
    other.force_authenticate(market.stranger)
    assert other.get(f"{URL}{demand_id}/").status_code == 404
    assert other.get(URL).json()["count"] == 0
    assert other.get(f"{URL}abc/").status_code == 404


def test_anonymous_is_refused(market):
    response = APIClient().post(URL, BODY, format="json")
    assert response.status_code in (401, 403)
    assert Demand.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"card_count": 0}, "card_count", "确保该值大于或者等于 1"),
        ({"city": "999999"}, "city", "未知的地级城市代码"),
        ({"city": "510000"}, "city", "未知的地级城市代码"),
        ({"accelerator_model": ""}, "accelerator_model", "请填写加速卡型号"),
        ({"accelerator_model": "Unobtainium"}, "accelerator_model", "未知的加速卡型号"),
        ({"resource_class": "quantum"}, "resource_class", "不是合法选项"),
        ({"duration_hours": None}, "duration_hours", "该字段不能为"),
    ],
)
def test_field_errors_in_chinese_and_nothing_written(api, change, field, text):
    response = api.post(URL, {**BODY, **change}, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert field in errors, errors
    assert text in "".join(errors[field]), errors
    assert Demand.objects.count() == 0


def test_openapi_schema_documents_the_endpoints(client, market):
    response = client.get(reverse("schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert "post" in schema["paths"]["/api/v1/demands/"]
    assert "get" in schema["paths"]["/api/v1/demands/{id}/"]
    assert "Demand" in schema["components"]["schemas"]


def test_post_takes_the_province_preference_and_a_reliability_floor_with_field_errors(api, market):
    bad = api.post(URL, {**BODY, "min_reliability_percent": "120"}, format="json")
    assert bad.status_code == 400 and "min_reliability_percent" in bad.json()
    assert not Demand.objects.exists()

    response = api.post(URL, {**BODY, "prefer_my_province": True}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["prefer_my_province"] is True and body["min_reliability_percent"] is None
    province = next(c for c in body["matches"][0]["explanation"]["components"] if c["key"] == "province")
    assert province["max"] == 15 and province["detail"].startswith("已选择“优先本省”")
