import pytest
from rest_framework.test import APIClient

from catalog import services
from catalog.models import ComputeResource, NetworkLine, RecordVersion
from changes.models import Change
from tests.catalog.factories import ComputeResourceFactory, ProviderFactory, SiteFactory

pytestmark = pytest.mark.django_db

PAYLOAD = {
    "name": "A100 智算集群",
    "site": "SITE-A",
    "resource_class": "intelligent",
    "accelerator_model": "NVIDIA A100 80GB (SXM4)",
    "accelerators_per_node": 8,
    "node_count": 16,
    "cpu_architecture": "x86",
    "billing_unit": "card_hour",
    "price_yuan": "12.00",
    "available_units": 96,
    "certifications": ["等保三级"],
}


@pytest.fixture
def provider_a(make_user):
    provider = ProviderFactory()
    SiteFactory(provider=provider, code="SITE-A")
    return provider


@pytest.fixture
def client_for(make_user):
    def make(provider):
        user = make_user("provider", organization=provider.organization)
        _, raw_key = services.api_key_create(provider=provider, name="test", actor=user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
        return client

    return make


class FeedEvents:
    """The catalogue's changes as the feed holds them (read afresh on every look)."""

    MODELS = {"resource": "ComputeResource", "line": "NetworkLine", "app_service": "AppService"}

    def _rows(self):
        rows = Change.objects.filter(record_type__in=self.MODELS).order_by("seq")
        return [
            (self.MODELS[record_type], record_id, kind, tuple(fields))
            for record_type, record_id, kind, fields in rows.values_list("record_type", "record_id", "kind", "fields")
        ]

    def __eq__(self, other):
        return self._rows() == other

    def __getitem__(self, index):
        return self._rows()[index]

    def __len__(self):
        return len(self._rows())


@pytest.fixture
def events():
    return FeedEvents()


def versions(record):
    return RecordVersion.objects.filter(object_id=record.pk, content_type__model=record._meta.model_name)


def test_put_creates_then_identical_put_is_idempotent(
    provider_a, client_for, events, django_capture_on_commit_callbacks
):
    client = client_for(provider_a)
    with django_capture_on_commit_callbacks(execute=True):
        created = client.put("/api/v1/provider/resources/gpu-01/", PAYLOAD, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["external_id"] == "gpu-01" and body["listing_state"] == "pending" and body["identifier"] is None
    assert body["fp16_tflops_per_card"] == "312.00"  # published figure from the reference table
    assert body["province_code"] == "510000" and body["version"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        again = client.put("/api/v1/provider/resources/gpu-01/", PAYLOAD, format="json")
    assert again.status_code == 200 and again.json()["changed"] is False
    resource = ComputeResource.objects.get()
    assert resource.version == 1 and versions(resource).count() == 1
    assert events == [("ComputeResource", resource.pk, "created", events[0][3])]  # no event for the repeat
    with django_capture_on_commit_callbacks(execute=True):
        changed = client.put("/api/v1/provider/resources/gpu-01/", {**PAYLOAD, "node_count": 20}, format="json")
    assert changed.json()["changed"] is True and changed.json()["version"] == 2
    assert versions(resource).count() == 2 and events[-1][2:] == ("described", ("node_count",))
    assert versions(resource).get(version=2).payload["node_count"] == 20


def test_put_field_errors_are_json_per_field_and_write_nothing(provider_a, client_for):
    client = client_for(provider_a)
    response = client.put(
        "/api/v1/provider/resources/gpu-01/",
        {**PAYLOAD, "price_yuan": "-1", "site": "NOPE", "resource_class": "quantum", "node_count": None},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"price_yuan", "site", "resource_class", "node_count"}
    model_rule = client.put(
        "/api/v1/provider/resources/gpu-01/", {**PAYLOAD, "accelerators_per_node": 0}, format="json"
    )
    assert model_rule.status_code == 400 and "accelerators_per_node" in model_rule.json()
    assert ComputeResource.objects.count() == 0 and RecordVersion.objects.count() == 0


def test_a_key_of_provider_a_never_reaches_provider_b(provider_a, client_for):
    provider_b = ProviderFactory()
    b_site = SiteFactory(provider=provider_b, code="SITE-B")
    b_record = ComputeResourceFactory(site=b_site, external_id="secret-01", available_units=5)
    client = client_for(provider_a)
    assert client.get("/api/v1/provider/resources/secret-01/").status_code == 404
    assert client.patch("/api/v1/provider/resources/secret-01/status/", {"available_units": 0}).status_code == 404
    assert client.get("/api/v1/provider/resources/").json()["results"] == []
    # B's site cannot be used by A either.
    response = client.put("/api/v1/provider/resources/x/", {**PAYLOAD, "site": "SITE-B"}, format="json")
    assert response.status_code == 400 and "site" in response.json()
    b_record.refresh_from_db()
    assert b_record.available_units == 5 and b_record.version == 1
    # B's own key does see it.
    assert client_for(provider_b).get("/api/v1/provider/resources/secret-01/").status_code == 200


def test_missing_wrong_or_revoked_keys_are_refused(provider_a, make_user):
    client = APIClient()
    assert client.get("/api/v1/provider/resources/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION="Api-Key cnk_deadbeef_wrong")
    assert client.get("/api/v1/provider/resources/").status_code == 401
    api_key, raw_key = services.api_key_create(provider=provider_a, name="x", actor=make_user("provider"))
    services.api_key_revoke(api_key=api_key, actor=None)
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    assert client.put("/api/v1/provider/resources/gpu-01/", PAYLOAD, format="json").status_code == 401
    assert ComputeResource.objects.count() == 0


def test_status_patch_updates_live_fields_versioned_and_idempotent(
    provider_a, client_for, events, django_capture_on_commit_callbacks
):
    client = client_for(provider_a)
    client.put("/api/v1/provider/resources/gpu-01/", PAYLOAD, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch(
            "/api/v1/provider/resources/gpu-01/status/", {"available_units": 40, "price_yuan": "11.50"}, format="json"
        )
    assert response.status_code == 200 and response.json()["available_units"] == 40
    assert response.json()["version"] == 2 and response.json()["changed"] is True
    assert events[-1][2] == "status" and set(events[-1][3]) == {"available_units", "price_yuan"}
    assert [event[2] for event in events] == ["created", "status"]
    with django_capture_on_commit_callbacks(execute=True):
        same = client.patch("/api/v1/provider/resources/gpu-01/status/", {"available_units": 40}, format="json")
    assert same.json()["changed"] is False and len(events) == 2  # an identical PATCH appends nothing
    bad = client.patch("/api/v1/provider/resources/gpu-01/status/", {"state": "exploded"}, format="json")
    assert bad.status_code == 400 and "state" in bad.json()
    assert client.patch("/api/v1/provider/resources/gpu-01/status/", {}, format="json").status_code == 400
    not_live = client.patch("/api/v1/provider/resources/gpu-01/status/", {"node_count": 1}, format="json")
    assert not_live.status_code == 400
    resource = ComputeResource.objects.get()
    assert (resource.available_units, resource.node_count, resource.version) == (40, 16, 2)


def test_lines_and_app_services_follow_the_same_contract(provider_a, client_for, make_user):
    line_provider = ProviderFactory(is_resource_provider=False, is_line_provider=True)
    site = provider_a.sites.get()
    client = client_for(line_provider)
    line = {
        "name": "成都—测试中心 专线",
        "kind": "dedicated_line",
        "from_city": "510100",
        "to_site": site.pk,
        "bandwidth_mbps": 10000,
        "latency_ms": "0.8",
        "price_yuan_per_month": "38000",
    }
    assert client.put("/api/v1/provider/lines/L-1/", line, format="json").status_code == 201
    assert client.put("/api/v1/provider/lines/L-1/", line, format="json").json()["changed"] is False
    bad = client.put("/api/v1/provider/lines/L-2/", {**line, "from_city": "999999", "bandwidth_mbps": 0}, format="json")
    assert bad.status_code == 400 and {"from_city", "bandwidth_mbps"} <= set(bad.json())
    status = client.patch("/api/v1/provider/lines/L-1/status/", {"state": "maintenance"}, format="json")
    assert status.status_code == 200 and NetworkLine.objects.get().state == "maintenance"
    assert [row["external_id"] for row in client.get("/api/v1/provider/lines/").json()["results"]] == ["L-1"]
    assert client.get("/api/v1/provider/sites/").status_code == 200

    # App services link approved resources by identifier.
    resource = ComputeResourceFactory(site=site, listing_state="pending")
    services.record_approve(record=resource, actor=None)
    code = services.identifier_issue(record=resource, actor=None).code
    apps = ProviderFactory(is_resource_provider=False, is_app_service_provider=True)
    client = client_for(apps)
    app = {"name": "推理服务", "kind": "ai_application", "price_yuan": "0.0120", "pricing_unit": "千 tokens"}
    created = client.put("/api/v1/provider/app-services/S-1/", {**app, "resource_identifiers": [code]}, format="json")
    assert created.status_code == 201 and created.json()["resource_identifiers"] == [code]
    same = client.put("/api/v1/provider/app-services/S-1/", {**app, "resource_identifiers": [code]}, format="json")
    assert same.json()["changed"] is False
    unknown = client.put(
        "/api/v1/provider/app-services/S-2/", {**app, "resource_identifiers": ["CN.510000/A000009990"]}, format="json"
    )
    assert unknown.status_code == 400 and "resource_identifiers" in unknown.json()


def test_openapi_schema_documents_the_provider_interface(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    for path in (
        "/api/v1/identifiers/{identifier}/",
        "/api/v1/provider/resources/{external_id}/",
        "/api/v1/provider/resources/{external_id}/status/",
        "/api/v1/provider/lines/{external_id}/",
        "/api/v1/provider/app-services/{external_id}/status/",
    ):
        assert path in text
    assert "ProviderApiKey" in text


def test_a_suspended_provider_cannot_use_its_keys(provider_a, client_for):
    client = client_for(provider_a)
    provider_a.onboarding_state = "suspended"
    provider_a.save()
    assert client.put("/api/v1/provider/resources/gpu-01/", PAYLOAD, format="json").status_code == 401
    assert ComputeResource.objects.count() == 0


def test_a_provider_that_is_no_certified_line_provider_cannot_open_a_line_over_the_api(provider_a, client_for):
    """The page refuses a line application of an uncertified line provider; the API refuses the same."""
    from catalog.models import OnboardingState, Provider

    site = provider_a.sites.get()
    line = {
        "name": "成都—测试中心 专线",
        "kind": "dedicated_line",
        "from_city": "510100",
        "to_site": site.pk,
        "bandwidth_mbps": 10000,
        "latency_ms": "0.8",
        "price_yuan_per_month": "38000",
    }
    # a certified resource provider whose certification does not cover lines
    refused = client_for(provider_a).put("/api/v1/provider/lines/L-1/", line, format="json")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "本单位当前不是已认证的网络线路提供商，不能通过接口开通或修改线路。"
    # a line provider whose certification is not (or no longer) granted
    line_provider = ProviderFactory(is_resource_provider=False, is_line_provider=True)
    client = client_for(line_provider)
    Provider.objects.filter(pk=line_provider.pk).update(onboarding_state=OnboardingState.RETURNED)
    assert client.put("/api/v1/provider/lines/L-2/", line, format="json").status_code == 403
    assert not NetworkLine.objects.exists()
    Provider.objects.filter(pk=line_provider.pk).update(onboarding_state=OnboardingState.CERTIFIED)
    assert client.put("/api/v1/provider/lines/L-2/", line, format="json").status_code == 201
