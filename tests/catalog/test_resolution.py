import httpx
import pytest
from django.conf import settings
from django.core.cache import cache

from catalog import services
from federation import http
from organizations.identifiers import format_identifier
from tests.catalog.factories import ComputeResourceFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/identifiers/{}/"


@pytest.fixture(autouse=True)
def node(settings):
    settings.NODE_IDENTIFIER_PREFIX = "CN.510000"
    settings.UPSTREAM_NODE_URL = "http://national.invalid"
    settings.IDENTIFIER_RESOLUTION_CACHE_SECONDS = 300
    cache.clear()


def test_local_identifier_is_listed_with_its_access_path_only_after_the_national_acknowledgement(client):
    resource = ComputeResourceFactory(listing_state="pending")
    services.record_approve(record=resource, actor=None)
    code = format_identifier(prefix="CN.510000", class_code="A", serial=1)
    body = client.get(URL.format(code)).json()
    assert body["state"] == "issued" and body["access_path"] is None  # issued, not yet filed: not listed
    assert client.get(f"/catalog/r/{code}/").status_code == 404
    from federation.filings import filing_acknowledged

    filing_acknowledged(identifier=code, national_receipt="F0000000001")
    response = client.get(URL.format(code.lower()))
    assert response.status_code == 200
    body = response.json()
    assert body["identifier"] == code and body["state"] == "active" and body["kind"] == "compute_resource"
    assert body["access_url"] == f"{settings.NODE_PUBLIC_URL}/catalog/r/{code}/"
    assert body["name"] == resource.name and body["details"]["accelerator_model"] == resource.accelerator_model
    assert body["access_path"] == f"/catalog/r/{code}/"
    page = client.get(body["access_path"])
    assert page.status_code == 200 and resource.name in page.content.decode()


def test_suspended_identifier_resolves_without_access_path(client):
    identifier = services.identifier_issue(record=ComputeResourceFactory(), actor=None)
    services.identifier_transition(identifier=identifier, to_state="suspended", actor=None, reason="违规")
    body = client.get(URL.format(identifier.code)).json()
    assert body["state"] == "suspended" and body["access_path"] is None and body["details"] == {}
    assert client.get(f"/catalog/r/{identifier.code}/").status_code == 404


def test_unknown_identifier_of_this_node_is_404(client):
    response = client.get(URL.format(format_identifier(prefix="CN.510000", class_code="A", serial=999)))
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("CN.510000/A00000001X", "checksum"),
        ("CN.510000/Q000000017", None),  # unknown class or checksum, both 400
        ("CN.510000-A000000017", "structure"),
        ("CN.510000/A001", "suffix_length"),
    ],
)
def test_malformed_identifier_is_400_with_reason(client, text, error):
    response = client.get(URL.format(text))
    assert response.status_code == 400
    body = response.json()
    assert body["detail"]
    if error:
        assert body["error"] == error


class FakeUpstream:
    """The other node, behind the pooled HTTP client (federation/http.py)."""

    def __init__(self, status=200, body=None, fail=False):
        self.calls = []
        self.status, self.body, self.fail = status, body or {}, fail

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(str(request.url))
        if self.fail:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(self.status, json=self.body)

    def install(self, monkeypatch) -> None:
        monkeypatch.setattr(http, "client", lambda: httpx.Client(transport=httpx.MockTransport(self)))


def test_other_node_prefix_is_forwarded_upstream_and_cached(client, monkeypatch):
    code = format_identifier(prefix="CN.130000", class_code="A", serial=7)
    upstream = FakeUpstream(body={"identifier": code, "state": "active", "resolved_by": "CN.130000"})
    upstream.install(monkeypatch)
    first = client.get(URL.format(code))
    second = client.get(URL.format(code))
    assert first.status_code == second.status_code == 200
    assert first.json()["resolved_by"] == "CN.130000" and first.json()["cached"] is False
    assert second.json()["cached"] is True
    assert upstream.calls == [f"http://national.invalid/api/v1/identifiers/{code}/"]


def test_upstream_not_found_is_cached_and_unreachable_is_502_not_cached(client, monkeypatch):
    code = format_identifier(prefix="CN.130000", class_code="L", serial=3)
    down = FakeUpstream(fail=True)
    down.install(monkeypatch)
    assert client.get(URL.format(code)).status_code == 502
    missing = FakeUpstream(status=404, body={"identifier": code, "detail": "unknown"})
    missing.install(monkeypatch)
    assert client.get(URL.format(code)).status_code == 404
    assert client.get(URL.format(code)).status_code == 404
    assert len(down.calls) == 1 and len(missing.calls) == 1


def test_without_upstream_a_foreign_prefix_is_404(client, settings):
    settings.UPSTREAM_NODE_URL = ""
    response = client.get(URL.format(format_identifier(prefix="CN.130000", class_code="A", serial=7)))
    assert response.status_code == 404
