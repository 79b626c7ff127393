"""Catalogue sync through both tiers over real HTTP: an industry resource reaches the regional node with
the industry node's sync pass, and the national node with the regional node's own pass (which forwards
what it received), still naming the industry node as its source, in both nodes' selections (来源节点);
a delisting follows the same way and takes it out of both selections."""

import pytest

from tests.federation.nodes import loopback_nodes, printed, selected, three_nodes  # noqa: F401  (a fixture)
from tests.federation.test_sync_two_servers import DELIST, synced
from tests.federation.test_three_servers import ISSUE, page_status

pytestmark = [pytest.mark.slow, pytest.mark.own_databases]


def test_an_industry_resource_is_forwarded_to_the_national_node(loopback_nodes):  # noqa: F811
    national, regional, industry = three_nodes(loopback_nodes)
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
    # in both upstream selections, with the industry node as its 来源节点 (facet and filter)
    for node in (regional, national):
        assert (code, "CN.510000.C15") in selected(node)
        assert selected(node, source="CN.510000.C15") == [(code, "CN.510000.C15")]
        assert selected(node, source="local") == []
    assert "sync: 0 records in 0 batches" in regional.manage("federation_sync")

    industry.shell(DELIST)
    assert "sync: 1 records in 1 batches" in industry.manage("federation_sync")
    assert "sync: 1 records in 1 batches" in regional.manage("federation_sync")
    assert [row[2] for row in synced(national)] == [True]
    for node in (regional, national):  # delisted: gone from both upstream selections
        assert selected(node) == [] and selected(node, source="CN.510000.C15") == []
    assert page_status(national, f"/catalog/r/{code}/") == 404
