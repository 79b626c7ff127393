"""Two real nodes on loopback: an identifier issued on a regional node ends up filed on the national
node, including after the national node was down for a while (issue 3, item 6).

Each node is a separate daphne process with its own throwaway SQLite file (tests/federation/nodes.py).
The regional node's outbox is drained with the real ``federation_drain`` command.
"""

import json
import urllib.parse

import pytest

from tests.federation.nodes import Node, enrol, loopback_nodes, outbox_rows, printed  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.slow, pytest.mark.own_databases]


ISSUE_SCRIPT = """
from catalog import services
from catalog.models import ComputeResource, Identifier, Provider, Site
from organizations.models import Organization
from organizations.uscc import make_uscc

organization = Organization.objects.create(
    name="两节点测试算力有限公司", kind="enterprise", province_id="510000", city_id="510100",
    uscc=make_uscc(division="510100", body="MA6TWN01"), registered_capital=100_000_000,
)
provider = Provider.objects.create(organization=organization, onboarding_state="certified", is_resource_provider=True)
site = Site.objects.create(provider=provider, code="S1", name="测试数据中心", province_id="510000", city_id="510100")
resource = ComputeResource.objects.create(
    provider=provider, site=site, external_id="R-1", name="A100 集群（两节点测试）", resource_class="intelligent",
    accelerators_per_node=8, node_count=2, price_yuan="10.00", listing_state="pending",
)
services.record_approve(record=resource, actor=None, reason="两节点测试")
print("IDENTIFIER=" + Identifier.objects.get(resource=resource).code)
"""


@pytest.fixture
def nodes(loopback_nodes):  # noqa: F811
    national = loopback_nodes("national", NODE_ROLE="national")
    regional = loopback_nodes(
        "regional",
        NODE_ROLE="regional",
        OUTBOX_BACKOFF_BASE_SECONDS="600",  # long enough that a loaded machine never makes it due early
        UPSTREAM_TIMEOUT_SECONDS="3",
    )
    national.start()  # the regional node enrols, then the national node goes down
    assert enrol(regional, national, segment="510000", name="四川省区域节点") == "CN.510000"
    national.stop()
    return regional, national


def _outbox(regional: Node) -> tuple[str, int, str, float]:
    (row,) = outbox_rows(regional, "identifier_filing")
    return row


def test_identifier_issued_on_a_regional_node_is_filed_on_the_national_node_after_an_outage(nodes):
    regional, national = nodes
    regional.start()  # the national node is down

    output = regional.shell(ISSUE_SCRIPT)
    code = printed(output, "IDENTIFIER")
    assert code.startswith("CN.510000/")
    assert regional.query("SELECT state FROM catalog_identifier WHERE code = ?", code) == [("issued",)]
    assert _outbox(regional)[:2] == ("pending", 0)

    # the national node is unreachable: the message stays pending, with the error and a back-off
    assert "0 sent, 1 failed" in regional.manage("federation_drain")
    status, attempts, last_error, due_in = _outbox(regional)
    assert (status, attempts) == ("pending", 1)
    assert "URLError" in last_error or "Connection" in last_error
    assert 300 < due_in <= 601  # OUTBOX_BACKOFF_BASE_SECONDS=600 after the first failure
    # not due yet: a second drain does not even try
    assert "0 sent, 0 failed" in regional.manage("federation_drain")
    assert _outbox(regional)[1] == 1
    # the regional node still resolves its own identifier, not yet filed
    status_code, body = regional.request("/api/v1/identifiers/" + urllib.parse.quote(code, safe="/") + "/")
    assert status_code == 200, body
    assert national.query("SELECT COUNT(*) FROM federation_identifierfiling") == [(0,)]

    # the national node comes up; the operator's "retry now" makes the message due
    national.start()
    regional.shell(
        "from django.utils import timezone; from federation.models import OutboxMessage; "
        "OutboxMessage.objects.filter(status='pending').update(next_attempt_at=timezone.now())"
    )
    assert "1 sent, 0 failed" in regional.manage("federation_drain")

    # the national node recorded the filing once, under the regional node's prefix
    filings = national.query(
        "SELECT identifier, node_prefix, idempotency_key, payload FROM federation_identifierfiling"
    )
    assert len(filings) == 1
    identifier, prefix, key, payload = filings[0]
    assert (identifier, prefix, key) == (code, "CN.510000", f"identifier_filing:{code}")
    assert json.loads(payload)["provider"] == "两节点测试算力有限公司"
    # the regional node knows: message sent with the national receipt, identifier filed, history kept
    status, attempts, last_error, _ = _outbox(regional)
    assert (status, attempts, last_error) == ("sent", 2, "")
    assert regional.query("SELECT state FROM catalog_identifier WHERE code = ?", code) == [("active",)]
    (receipt,) = regional.query("SELECT response FROM federation_outboxmessage")[0]
    assert json.loads(receipt)["identifier"] == code
    events = regional.query(
        "SELECT e.to_state FROM catalog_identifierevent e JOIN catalog_identifier i ON i.id = e.identifier_id "
        "WHERE i.code = ? ORDER BY e.id",
        code,
    )
    assert events == [("issued",), ("filed",), ("active",)]

    # a later drain sends nothing again; the national node still has exactly one filing
    assert "0 sent, 0 failed" in regional.manage("federation_drain")
    assert national.query("SELECT COUNT(*) FROM federation_identifierfiling") == [(1,)]
