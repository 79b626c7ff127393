"""Catalogue sync through both tiers over real HTTP: an industry resource reaches the regional node with
the industry node's sync pass, and the national node with the regional node's own pass (which forwards
what it received), still naming the industry node as its source; a delisting follows the same way."""

import pytest

from tests.federation.nodes import enrol, loopback_nodes, printed  # noqa: F401  (a fixture)
from tests.federation.test_sync_two_servers import DELIST, synced
from tests.federation.test_three_servers import ISSUE, page_status

pytestmark = [pytest.mark.slow, pytest.mark.own_databases]


def test_an_industry_resource_is_forwarded_to_the_national_node(loopback_nodes):  # noqa: F811
    national = loopback_nodes("national", NODE_ROLE="national", NODE_NAME="国家节点")
    regional = loopback_nodes("regional", NODE_ROLE="regional", NODE_NAME="四川省区域节点")
    industry = loopback_nodes("industry", NODE_ROLE="industry", NODE_NAME="酒的制造业行业节点")
    national.start()
    regional.start()
    enrol(regional, national, segment="510000", name="四川省区域节点")
    enrol(industry, regional, segment="C15", name="酒的制造业行业节点")
    code = printed(industry.shell(ISSUE), "IDENTIFIER")
    assert "1 sent, 0 failed" in industry.manage("federation_drain")  # filed with the regional node, relayed
    assert "1 sent, 0 failed" in regional.manage("federation_drain")  # filed with the national node
    assert "1 acknowledged" in industry.manage("federation_drain")
    assert industry.query("SELECT state FROM catalog_identifier") == [("active",)]

    assert "sync: 1 records in 1 batches" in industry.manage("federation_sync")  # first pass: full resync
    assert [row[:3] for row in synced(regional)] == [(code, "CN.510000.C15", False)]
    assert "sync: 1 records in 1 batches" in regional.manage("federation_sync")
    [(national_code, prefix, removed, _, snapshot)] = synced(national)
    assert (national_code, prefix, removed, snapshot["name"]) == (code, "CN.510000.C15", False, "酿造工艺智算集群")
    assert national.query("SELECT source_name, source_url FROM federation_syncedrecord") == [
        ("酒的制造业行业节点", f"{industry.url}/catalog/r/{code}/")
    ]
    assert page_status(national, f"/catalog/r/{code}/") == 200  # shown with its source node
    assert "sync: 0 records in 0 batches" in regional.manage("federation_sync")

    industry.shell(DELIST)
    assert "sync: 1 records in 1 batches" in industry.manage("federation_sync")
    assert "sync: 1 records in 1 batches" in regional.manage("federation_sync")
    assert [row[2] for row in synced(national)] == [True]
    assert page_status(national, f"/catalog/r/{code}/") == 404
