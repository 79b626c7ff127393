"""Request bounds every API endpoint keeps (portal/api_limits.py): deep JSON and out-of-range paging
answer 400 with a Chinese message, never a server error."""

import pytest
from rest_framework.test import APIClient

from catalog import services
from tests.catalog.factories import ComputeResourceFactory, ProviderFactory, SiteFactory

pytestmark = pytest.mark.django_db

DEEP = b"[" * 5000 + b"]" * 5000


@pytest.fixture
def provider_client(make_user):
    provider = ProviderFactory()
    site = SiteFactory(provider=provider, code="SITE-A")
    for number in range(3):
        ComputeResourceFactory(provider=provider, site=site, external_id=f"gpu-{number}")
    user = make_user("provider", organization=provider.organization)
    _, raw_key = services.api_key_create(provider=provider, name="test", actor=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    return client


@pytest.mark.parametrize(
    "path", ["/api/v1/uscc/check/", "/api/v1/provider/resources/gpu-0/", "/api/v1/provider/metrics/"]
)
def test_deeply_nested_json_is_a_clear_400(provider_client, path):
    method = provider_client.put if path.endswith("gpu-0/") else provider_client.post
    if path == "/api/v1/uscc/check/":
        method = APIClient().post  # anonymous
    response = method(path, DEEP, content_type="application/json")
    assert response.status_code == 400
    assert "JSON 嵌套层数过多" in response.json()["detail"]


def test_nesting_just_past_the_bound_is_refused_and_ordinary_bodies_pass(client):
    just_past = b'{"code": ' + b"[" * 64 + b'"x"' + b"]" * 64 + b"}"
    response = client.post("/api/v1/uscc/check/", just_past, content_type="application/json")
    assert response.status_code == 400 and "嵌套层数" in response.json()["detail"]
    ordinary = client.post("/api/v1/uscc/check/", {"code": "91510100MA61XXXX0X"}, content_type="application/json")
    assert ordinary.status_code in (200, 400)
    assert "嵌套" not in ordinary.content.decode()
    broken = client.post("/api/v1/uscc/check/", b'{"code": ', content_type="application/json")
    assert broken.status_code == 400 and "不是有效的 JSON" in broken.json()["detail"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=9223372036854775808", "limit"),
        ("limit=99999999999999999999999999", "limit"),
        ("offset=9223372036854775808", "offset"),
        ("limit=1001", "limit"),
        ("limit=-1", "limit"),
        ("limit=abc", "limit"),
    ],
)
def test_paging_out_of_range_is_a_clear_400(provider_client, query, field):
    response = provider_client.get(f"/api/v1/provider/resources/?{query}")
    assert response.status_code == 400
    assert "必须是" in response.json()[field][0]


def test_paging_in_range_still_pages(provider_client):
    body = provider_client.get("/api/v1/provider/resources/?limit=2&offset=1").json()
    assert body["count"] == 3 and len(body["results"]) == 2
    assert len(provider_client.get("/api/v1/provider/resources/").json()["results"]) == 3
