"""Catalogue sync upward over real HTTP (issue 14, item 5): an industry node and its regional node as two
daphne processes on loopback (tests/federation/nodes.py). An industry resource appears at the regional
node after a sync pass, a status change follows, a delisting removes it; while the regional node is
down the industry node's changes wait (the cursor does not move) and arrive once after recovery.
The regional node has no upstream here, so it acknowledges the industry node's filing itself."""

import json

import pytest

from tests.federation.nodes import enrol, loopback_nodes, printed  # noqa: F401  (a fixture)
from tests.federation.test_three_servers import ISSUE, page_status

pytestmark = [pytest.mark.slow, pytest.mark.own_databases]

UPDATE = """
from catalog import services
from catalog.models import ComputeResource

resource = ComputeResource.objects.get(external_id="R-1")
services.record_update_status(record=resource, changes={changes})
"""
DELIST = """
from catalog import services
from catalog.models import ComputeResource

services.record_delist(record=ComputeResource.objects.get(external_id="R-1"), actor=None)
"""
CURSOR = "SELECT position FROM changes_consumercursor WHERE name = 'peer:CN.510000'"


def synced(node) -> list[tuple]:
    rows = node.query("SELECT identifier, source_prefix, removed, position, snapshot FROM federation_syncedrecord")
    return [
        (code, prefix, bool(removed), position, json.loads(snapshot))
        for code, prefix, removed, position, snapshot in rows
    ]


def test_an_industry_resource_follows_at_the_regional_node_through_an_outage(loopback_nodes):  # noqa: F811
    regional = loopback_nodes("regional", NODE_ROLE="regional", NODE_NAME="四川省区域节点")
    industry = loopback_nodes(
        "industry", NODE_ROLE="industry", NODE_NAME="酒的制造业行业节点", UPSTREAM_TIMEOUT_SECONDS="3"
    )
    regional.start()
    assert enrol(industry, regional, segment="C15", name="酒的制造业行业节点") == "CN.510000.C15"
    assert "sync: 0 records in 0 batches" in industry.manage("federation_sync")  # first pass: (empty) full resync
    assert industry.query(CURSOR) != []

    # a resource is listed on the industry node (filed with, and acknowledged by, the regional node)
    code = printed(industry.shell(ISSUE), "IDENTIFIER")
    assert "1 sent, 0 failed" in industry.manage("federation_drain")
    assert industry.query("SELECT state FROM catalog_identifier") == [("active",)]
    assert "sync: 1 records in 1 batches" in industry.manage("federation_sync")
    [(synced_code, prefix, removed, first_position, snapshot)] = synced(regional)
    assert (synced_code, prefix, removed) == (code, "CN.510000.C15", False)
    assert snapshot["name"] == "酿造工艺智算集群" and snapshot["provider"] == "宜宾酒业智算有限公司"
    assert snapshot["price_yuan"] == "10.00" and snapshot["site"] == "宜宾数据中心"
    assert regional.query("SELECT source_url FROM federation_syncedrecord") == [(f"{industry.url}/catalog/r/{code}/",)]
    assert "sync: 0 records in 0 batches" in industry.manage("federation_sync")  # nothing new: nothing sent

    # a status change follows
    industry.shell(UPDATE.format(changes='{"available_units": 7, "state": "busy"}'))
    assert "sync: 1 records in 1 batches" in industry.manage("federation_sync")
    [(_, _, removed, position, snapshot)] = synced(regional)
    assert (removed, snapshot["available_units"], snapshot["state"]) == (False, 7, "busy")
    assert position > first_position

    # the regional node is down while the industry node changes: nothing is lost, the cursor waits
    regional.stop()
    acknowledged = industry.query(CURSOR)
    industry.shell(UPDATE.format(changes='{"available_units": 2}'))
    assert "sync: 0 records in 0 batches" in industry.manage("federation_sync")
    assert industry.query(CURSOR) == acknowledged
    regional.start()
    assert "sync: 1 records in 1 batches" in industry.manage("federation_sync")
    assert synced(regional)[0][4]["available_units"] == 2
    assert "sync: 0 records in 0 batches" in industry.manage("federation_sync")  # arrived once

    # a delisting removes it upstream (while the regional node is down, then after it is back)
    regional.stop()
    industry.shell(DELIST)
    assert "sync: 0 records in 0 batches" in industry.manage("federation_sync")
    regional.start()
    assert "sync: 1 records in 1 batches" in industry.manage("federation_sync")
    [(_, _, removed, _, snapshot)] = synced(regional)
    assert (removed, snapshot) == (True, {})
    assert regional.query("SELECT COUNT(*) FROM federation_syncedrecord") == [(1,)]

    # a full resync on demand sends the whole catalogue again: nothing changes upstream
    assert "resync: 1 records in 1 batches" in industry.manage("federation_resync")
    assert synced(regional)[0][2] is True
    assert page_status(regional, f"/catalog/r/{code}/") == 404  # removed: not shown
