"""Three real nodes on loopback — national, the Sichuan regional node and an industry node under it
(issue 14, first increment): both tiers enrol with one-time codes; a forged filing or report signed
with another node's credential is refused; an industry filing made while the regional node is down
arrives once after recovery, travels industry → regional → national, and the national acknowledgement
comes back down (issued → filed → active); the national node resolves the industry identifier from
the industry node itself, and a revocation on the industry node resolves as revoked at the national node.

Each node is a separate daphne process with its own SQLite file (tests/federation/nodes.py); outboxes
are drained with the real ``federation_drain`` command.
"""

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.federation.nodes import loopback_nodes, outbox_rows, printed, three_nodes  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.slow, pytest.mark.own_databases]

ISSUE = """
from catalog import services
from catalog.models import ComputeResource, Identifier, Provider, Site
from organizations.models import Organization
from organizations.uscc import make_uscc

organization = Organization.objects.create(
    name="宜宾酒业智算有限公司", kind="enterprise", province_id="510000", city_id="511500",
    uscc=make_uscc(division="511500", body="MA6TND01"), registered_capital=100_000_000,
)
provider = Provider.objects.create(organization=organization, onboarding_state="certified", is_resource_provider=True)
site = Site.objects.create(provider=provider, code="S1", name="宜宾数据中心", province_id="510000", city_id="511500")
resource = ComputeResource.objects.create(
    provider=provider, site=site, external_id="R-1", name="酿造工艺智算集群", resource_class="intelligent",
    accelerators_per_node=8, node_count=2, price_yuan="10.00", listing_state="pending",
)
services.record_approve(record=resource, actor=None, reason="三节点测试")
print("IDENTIFIER=" + Identifier.objects.get(resource=resource).code)
"""
RETRY_NOW = """
from django.core.management import call_command
from django.utils import timezone
from federation.models import OutboxMessage

OutboxMessage.objects.filter(status="pending").update(next_attempt_at=timezone.now())
call_command("federation_drain")
"""
# a signed request with this node's own credential, for something that is not its own
FORGE = """
import json, urllib.error
from federation.client import signed_request

try:
    answer = signed_request(method="POST", path="{path}", payload=json.loads('''{payload}'''), idempotency_key="forged")
    print("FORGED=200")
except urllib.error.HTTPError as error:
    print(f"FORGED={{error.code}}")
"""
REVOKE = """
from catalog import services
from catalog.models import Identifier

identifier = Identifier.objects.get(code="{code}")
services.identifier_transition(identifier=identifier, to_state="revoked", actor=None, reason="设备退役")
"""


def forge(node, path: str, payload: dict) -> str:
    return printed(node.shell(FORGE.format(path=path, payload=json.dumps(payload, ensure_ascii=False))), "FORGED")


def page_status(node, path: str) -> int:
    try:
        with urllib.request.urlopen(node.url + urllib.parse.quote(path), timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def resolve(node, code: str) -> tuple[int, dict]:
    return node.request("/api/v1/identifiers/" + urllib.parse.quote(code, safe="/") + "/")


def test_three_tiers_enrol_file_through_the_regional_node_and_resolve_at_the_root(loopback_nodes):  # noqa: F811
    slow = {"OUTBOX_BACKOFF_BASE_SECONDS": "600", "UPSTREAM_TIMEOUT_SECONDS": "3"}
    national, regional, industry = three_nodes(loopback_nodes, **slow)
    enrolled_here = "SELECT prefix, role, url FROM federation_peer WHERE via_id IS NULL"  # not the relayed ones
    assert national.query(enrolled_here) == [("CN.510000", "regional", regional.url)]
    assert regional.query("SELECT prefix, role FROM federation_peer") == [("CN.510000.C15", "industry")]

    # another node's prefix and another node's report are refused, signed with a valid credential
    hebei_filing = {
        "identifier": "CN.130000/A000000011",
        "node_prefix": "CN.130000",
        "class_code": "A",
        "name": "伪造",
        "provider": "伪造",
        "provider_uscc": "91130100MA61TF01X0",
        "division_code": "130100",
        "issued_at": "2026-03-02T10:00:00+08:00",
    }
    from organizations.identifiers import format_identifier

    hebei_filing["identifier"] = format_identifier(prefix="CN.130000", class_code="A", serial=1)
    assert forge(regional, "/api/v1/federation/filings/identifiers/", hebei_filing) == "403"
    report = {"schema_version": 1, "date": "2026-03-02", "node": {"prefix": "CN.510000"}}
    report.update(resource={}, platform={}, application={})
    assert forge(industry, "/api/v1/federation/reports/operations/", report) == "403"
    assert national.query("SELECT COUNT(*) FROM federation_identifierfiling") == [(0,)]
    assert regional.query("SELECT COUNT(*) FROM monitoring_receivedreport") == [(0,)]

    # the regional node is down while the industry node files
    regional.stop()
    industry.start()
    code = printed(industry.shell(ISSUE), "IDENTIFIER")
    assert code.startswith("CN.510000.C15/")
    assert "0 sent, 1 failed" in industry.manage("federation_drain")
    assert outbox_rows(industry, "identifier_filing")[0][:2] == ("pending", 1)
    assert industry.query("SELECT state FROM catalog_identifier") == [("issued",)]
    assert page_status(industry, f"/catalog/r/{code}/") == 404  # not listed before the national acknowledgement

    # the regional node is back: the filing arrives there once and is relayed to the national node
    regional.start()
    assert "1 sent, 0 failed; 0 acknowledged" in industry.shell(RETRY_NOW)
    assert regional.query("SELECT identifier, state FROM federation_identifierfiling") == [(code, "relayed")]
    assert industry.query("SELECT state FROM catalog_identifier") == [("issued",)]  # not acknowledged yet
    assert "1 sent, 0 failed" in regional.manage("federation_drain")
    assert national.query("SELECT identifier, node_prefix, state FROM federation_identifierfiling") == [
        (code, "CN.510000.C15", "filed")
    ]
    # the acknowledgement comes back down: industry asks its regional node, which has it now
    assert "0 sent, 0 failed; 1 acknowledged" in industry.manage("federation_drain")
    assert industry.query("SELECT state FROM catalog_identifier") == [("active",)]
    events = industry.query("SELECT to_state FROM catalog_identifierevent ORDER BY id")
    assert events == [("issued",), ("filed",), ("active",)]
    assert page_status(industry, f"/catalog/r/{code}/") == 200  # listed (入网入市) now
    assert "0 sent, 0 failed; 0 acknowledged" in industry.manage("federation_drain")  # nothing again
    assert national.query("SELECT COUNT(*) FROM federation_identifierfiling") == [(1,)]
    assert regional.query("SELECT COUNT(*) FROM federation_identifierfiling") == [(1,)]

    # the national node resolves it from the industry node (through the regional node), with the access path
    status, body = resolve(national, code)
    assert status == 200, body
    assert (body["state"], body["node_prefix"], body["authoritative"]) == ("active", "CN.510000.C15", True)
    assert body["access_url"] == f"{industry.url}/catalog/r/{code}/"
    assert body["api_url"] == f"{industry.url}/api/v1/identifiers/{code}/"
    assert resolve(national, code)[1]["cached"] is True

    # a revocation on the industry node travels upward and resolves as revoked at the national node
    industry.shell(REVOKE.format(code=code))
    assert "1 sent, 0 failed" in industry.manage("federation_drain")
    assert "1 sent, 0 failed" in regional.manage("federation_drain")
    assert national.query("SELECT state FROM federation_identifierfiling") == [("revoked",)]
    status, body = resolve(national, code)
    assert (status, body["state"], body["cached"]) == (200, "revoked", False)
    industry.stop()  # with the industry node down, the root still answers revoked (its cache; else the filing)
    status, body = resolve(national, code)
    assert (status, body["state"]) == (200, "revoked")
