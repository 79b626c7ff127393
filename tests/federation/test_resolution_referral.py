"""Resolution of identifiers of the nodes below: the registered node is asked over HTTP, answers are
cached (found and not found for different times), a state change from below drops the entry, and an
unreachable node is answered from the filing, marked as such.

The node below is a small HTTP server on loopback that answers like a node's resolution API and
counts the requests it gets (the three-server test runs real nodes)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from organizations.identifiers import format_identifier
from tests.federation.signed import enrol

pytestmark = pytest.mark.django_db
KNOWN = format_identifier(prefix="CN.510000.C15", class_code="A", serial=1)
UNKNOWN = format_identifier(prefix="CN.510000.C15", class_code="A", serial=2)


class IndustryNode(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):
        type(self).hits.append(self.path)
        found = KNOWN in self.path
        body = (
            {
                "identifier": KNOWN,
                "state": "active",
                "node_prefix": "CN.510000.C15",
                "resolved_by": "CN.510000.C15",
                "access_url": "http://industry.example/catalog/r/x/",
                "authoritative": True,
            }
            if found
            else {"identifier": UNKNOWN, "detail": "unknown"}
        )
        data = json.dumps(body).encode()
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def industry_server():
    IndustryNode.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), IndustryNode)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def regional(settings):
    settings.NODE_ROLE, settings.NODE_IDENTIFIER_PREFIX, settings.UPSTREAM_NODE_URL = "regional", "CN.510000", ""
    settings.IDENTIFIER_RESOLUTION_CACHE_SECONDS = 300
    settings.IDENTIFIER_NEGATIVE_CACHE_SECONDS = 300
    return settings


def resolve(client, code):
    response = client.get(f"/api/v1/identifiers/{code}/")
    return response.status_code, response.json()


def test_answers_from_the_node_below_are_cached(regional, industry_server, client):
    enrol(segment="C15", url=industry_server)
    status, body = resolve(client, KNOWN)
    assert (status, body["cached"], body["access_url"]) == (200, False, "http://industry.example/catalog/r/x/")
    status, body = resolve(client, KNOWN)
    assert (status, body["cached"], body["state"]) == (200, True, "active")
    assert len(IndustryNode.hits) == 1


def test_not_found_is_cached_too_for_its_own_shorter_time(regional, industry_server, client):
    enrol(segment="C15", url=industry_server)
    assert resolve(client, UNKNOWN)[0] == 404
    status, body = resolve(client, UNKNOWN)
    assert (status, body["cached"]) == (404, True)
    assert len(IndustryNode.hits) == 1
    regional.IDENTIFIER_NEGATIVE_CACHE_SECONDS = 0  # (Django: 0 = do not keep) typos are not remembered
    from django.core.cache import cache

    cache.clear()
    assert resolve(client, UNKNOWN)[0] == 404 and resolve(client, UNKNOWN)[0] == 404
    assert resolve(client, KNOWN)[0] == 200 and resolve(client, KNOWN)[1]["cached"] is True
    assert len(IndustryNode.hits) == 4  # 1 + two uncached misses + one hit for the found one


def test_a_state_change_from_below_drops_the_cached_answer_and_a_dead_node_is_answered_from_the_filing(
    regional, industry_server, client
):
    node = enrol(segment="C15", url=industry_server)
    filing = {
        "identifier": KNOWN,
        "node_prefix": "CN.510000.C15",
        "class_code": "A",
        "name": "酒厂智算集群",
        "provider": "测试单位",
        "provider_uscc": "91510100MA61TF01X0",
        "division_code": "510500",
        "issued_at": "2026-03-02T10:00:00+08:00",
    }
    assert node.post(client, "/api/v1/federation/filings/identifiers/", filing, key="f1").status_code == 201
    assert resolve(client, KNOWN)[1]["cached"] is False
    assert resolve(client, KNOWN)[1]["cached"] is True
    change = {
        "identifier": KNOWN,
        "node_prefix": "CN.510000.C15",
        "state": "revoked",
        "changed_at": "2026-03-03T10:00:00+08:00",
    }
    assert node.post(client, "/api/v1/federation/filings/identifiers/state/", change, key="s1").status_code == 200
    assert resolve(client, KNOWN)[1]["cached"] is False  # asked again after the change
    node.peer.url = "http://127.0.0.1:9"  # the industry node is down
    node.peer.save()
    from django.core.cache import cache

    cache.clear()
    status, body = resolve(client, KNOWN)
    assert status == 200 and body["state"] == "revoked" and body["node_unavailable"] is True
    assert body["authoritative"] is False and body["name"] == "酒厂智算集群"


def test_the_lookup_page_links_to_the_owning_node_instead_of_redirecting_here(regional, industry_server, client):
    enrol(segment="C15", url=industry_server)
    response = client.get("/catalog/lookup/", {"code": KNOWN})
    assert response.status_code == 200  # not a redirect to a path that only exists on the industry node
    page = response.content.decode()
    assert 'href="http://industry.example/catalog/r/x/"' in page and "<dd>有效</dd>" in page
