"""The catalogue read API (/api/v1/catalog/): what the public pages show, as data, with conditional GETs."""

import datetime

import pytest
from django.utils import timezone

from catalog import services
from catalog.models import ComputeResource, IdentifierState, ListingState, OnboardingState
from tests.catalog.factories import ComputeResourceFactory, NetworkLineFactory, ProviderFactory, SiteFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/catalog/"


@pytest.fixture
def catalogue():
    site = SiteFactory(name="成都天府数据中心")
    public = ComputeResourceFactory(site=site, name="公开的A100集群", price_yuan="9.80")
    pending = ComputeResourceFactory(site=site, name="待审核资源", listing_state=ListingState.PENDING)
    suspended = ComputeResourceFactory(site=site, name="标识已暂停的资源", resource_class="general")
    line = NetworkLineFactory(to_site=site, name="绵阳—成都专线")
    ids = {record.name: services.identifier_issue(record=record, actor=None) for record in (public, suspended, line)}
    services.identifier_transition(
        identifier=ids["标识已暂停的资源"], to_state=IdentifierState.SUSPENDED, actor=None, reason="核查"
    )
    hidden_provider = ProviderFactory(onboarding_state=OnboardingState.APPLIED)
    SiteFactory(provider=hidden_provider, name="未认证服务商的站点")
    return {"site": site, "public": public, "pending": pending, "suspended": suspended, "line": line, "ids": ids}


def _names(response):
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["results"]]


def test_lists_show_only_what_the_public_pages_show(client, catalogue):
    assert sorted(_names(client.get(f"{API}resources/"))) == ["公开的A100集群", "标识已暂停的资源"]
    items = {item["name"]: item for item in client.get(f"{API}resources/").json()["results"]}
    assert items["公开的A100集群"]["identifier"] == catalogue["ids"]["公开的A100集群"].code
    assert items["公开的A100集群"]["html_url"] == f"/catalog/r/{catalogue['ids']['公开的A100集群'].code}/"
    assert items["公开的A100集群"]["price_yuan"] == "9.80" and items["公开的A100集群"]["total_cards"] == 32
    assert items["公开的A100集群"]["state"]["label"]["zh"] == "在线"
    assert items["标识已暂停的资源"]["identifier"] is None  # suspended identifiers are not shown
    assert _names(client.get(f"{API}lines/")) == ["绵阳—成都专线"]
    sites = _names(client.get(f"{API}sites/"))
    assert "成都天府数据中心" in sites and "未认证服务商的站点" not in sites
    providers = client.get(f"{API}providers/").json()["results"]
    assert [p["public_resource_count"] for p in providers if p["id"] == catalogue["site"].provider_id] == [2]
    assert "contact_phone" not in providers[0] and "contact_name" not in providers[0]


def test_filters_are_validated_and_applied(client, catalogue):
    assert _names(client.get(f"{API}resources/", {"resource_class": "general"})) == ["标识已暂停的资源"]
    assert len(_names(client.get(f"{API}resources/", {"province": "510000", "site": catalogue["site"].pk}))) == 2
    assert _names(client.get(f"{API}resources/", {"province": "130000"})) == []
    bad = client.get(f"{API}resources/", {"resource_class": "quantum", "changed_since": "昨天"})
    assert bad.status_code == 400 and set(bad.json()) == {"resource_class", "changed_since"}
    assert client.get(f"{API}resources/", {"limit": 1}).json()["count"] == 2


def test_detail_by_identifier_and_hidden_identifiers_are_404(client, catalogue):
    code = catalogue["ids"]["公开的A100集群"].code
    detail = client.get(f"{API}resources/{code}/")
    assert detail.status_code == 200 and detail.json()["name"] == "公开的A100集群"
    assert detail.json()["site"]["name"] == "成都天府数据中心"
    assert client.get(f"{API}resources/{catalogue['ids']['标识已暂停的资源'].code}/").status_code == 404
    assert client.get(f"{API}lines/{code}/").status_code == 404  # a resource's identifier is not a line
    assert client.get(f"{API}resources/不是标识/").status_code == 404
    line_code = catalogue["ids"]["绵阳—成都专线"].code
    assert client.get(f"{API}lines/{line_code}/").json()["bandwidth_mbps"] == 1000
    hidden = ProviderFactory(onboarding_state=OnboardingState.REJECTED)
    assert client.get(f"{API}providers/{hidden.pk}/").status_code == 404


def test_etag_and_last_modified_give_304_until_the_record_changes(client, catalogue):
    code = catalogue["ids"]["公开的A100集群"].code
    first = client.get(f"{API}resources/{code}/")
    etag, modified = first["ETag"], first["Last-Modified"]
    assert client.get(f"{API}resources/{code}/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(f"{API}resources/{code}/", HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    listing = client.get(f"{API}resources/")
    assert client.get(f"{API}resources/", HTTP_IF_NONE_MATCH=listing["ETag"]).status_code == 304
    ComputeResource.objects.filter(pk=catalogue["public"].pk).update(
        price_yuan="8.50", updated_at=timezone.now() + datetime.timedelta(seconds=2)
    )
    changed = client.get(f"{API}resources/{code}/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed.json()["price_yuan"] == "8.50" and changed["ETag"] != etag
    assert client.get(f"{API}resources/", HTTP_IF_NONE_MATCH=listing["ETag"]).status_code == 200


def test_changed_since_returns_records_updated_since_oldest_first(client, catalogue):
    later = timezone.now() + datetime.timedelta(hours=1)
    ComputeResource.objects.filter(pk=catalogue["public"].pk).update(updated_at=later)
    since = (later - datetime.timedelta(minutes=1)).isoformat()
    assert _names(client.get(f"{API}resources/", {"changed_since": since})) == ["公开的A100集群"]
    assert _names(client.get(f"{API}lines/", {"changed_since": since})) == []


def test_catalogue_endpoints_are_in_the_schema(client):
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    expected = ["resources/", "resources/{identifier}/", "lines/", "app-services/", "providers/{id}/", "sites/"]
    for path in expected:
        assert f"/api/v1/catalog/{path}" in paths
    names = {p["name"] for p in paths["/api/v1/catalog/resources/"]["get"]["parameters"]}
    assert {"resource_class", "province", "provider", "state", "site", "changed_since", "limit", "offset"} <= names


def test_read_apis_share_the_anonymous_rate_limit_of_search(client, settings, catalogue):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "5/minute", "provider": "2/minute"},
    }
    calls = [f"{API}resources/", "/api/v1/content/pages/", "/api/v1/search/resources/"]
    assert [client.get(url).status_code for url in calls] == [200, 200, 200]
    for url in calls:
        response = client.get(url)
        assert response.status_code == 429 and "Retry-After" in response
