"""Holds relayed through an intermediate node over real HTTP (issue 14): a demand at the NATIONAL node is
matched with an industry node's resource (synced industry → regional → national), and accepting it holds
the cards at the industry node through the Sichuan regional node — signed at each hop (national → regional
with the national node's key, regional → industry with the regional node's), each node refusing what is not
under its downstream prefix — and the provider's outcome travels back up the same way. With the regional
node or the industry node down, accepting fails with a clear message naming it and changes nothing."""

import pytest

from organizations.identifiers import format_identifier
from tests.federation.holds_network import (
    ACCEPT,
    ASK_BELOW,
    BUYER,
    DECIDE,
    SUBMIT,
    held_units,
    listed_network,  # noqa: F401  (a fixture)
    payload,
)
from tests.federation.nodes import loopback_nodes, printed  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.slow, pytest.mark.own_databases]


def holds(node) -> list[tuple]:
    return node.query("SELECT direction, peer_prefix, state FROM orders_networkhold ORDER BY direction, id")


def test_a_national_demand_is_held_at_the_industry_node_through_the_regional_node(listed_network):  # noqa: F811
    network = listed_network
    national, regional, industry, code = network.national, network.regional, network.industry, network.code
    assert "sync: 1 records in 1 batches" in regional.manage("federation_sync")  # forwarded to the national node
    national.shell(BUYER)

    # matched at the national node with the industry node's resource, forwarded by the regional node
    output = national.shell(SUBMIT)
    demand, match = printed(output, "DEMAND"), printed(output, "MATCH")
    assert printed(output, "ALLOTTED") == code
    assert "（CN.510000.C15）" in printed(output, "EXPLAINED")

    # the regional node is down: a clear refusal naming it; nothing held anywhere
    regional.stop()
    refused = printed(national.shell(ACCEPT.format(demand=demand, match=match)), "REFUSED")
    assert "转发节点 四川省区域节点（CN.510000） 暂时无法连接" in refused
    assert national.query("SELECT status FROM demand_demand") == [("matched",)]
    assert holds(national) == []
    regional.start()

    # the industry node is down: the regional node answers for it (502), nothing is left at either node
    industry.stop()
    refused = printed(national.shell(ACCEPT.format(demand=demand, match=match)), "REFUSED")
    assert "酒的制造业行业节点（CN.510000.C15） 暂时无法连接" in refused
    assert "经 四川省区域节点（CN.510000） 转发" in refused
    assert holds(national) == [] and holds(regional) == []
    assert national.query("SELECT state FROM demand_demandmatch WHERE id = ?", match) == [("offered",)]
    industry.start()
    assert industry.query("SELECT COUNT(*) FROM orders_hold") == [(0,)]

    # accepted: held at the industry node for the regional node (its upstream), relayed rows at the regional
    assert printed(national.shell(ACCEPT.format(demand=demand, match=match)), "ACCEPTED") == "accepted"
    assert industry.query("SELECT direction, peer_prefix, identifier, cards, state FROM orders_networkhold") == [
        ("in", "CN.510000", code, 8, "held")
    ]
    assert held_units(industry) == [(8, 0)]
    assert holds(regional) == [("in", "CN", "held"), ("out", "CN.510000.C15", "held")]
    assert holds(national) == [("out", "CN.510000.C15", "held")]
    assert national.query("SELECT remote_node, status FROM demand_schedulingrecord") == [("CN.510000.C15", "pending")]

    # each node refuses what is not under its downstream prefix: another province's identifier, an
    # identifier of the industry node that its catalogue does not list (404); unsigned (401)
    hebei = payload(format_identifier(prefix="CN.130000", class_code="A", serial=1), request_key="cd" * 16)
    assert printed(national.shell(ASK_BELOW.format(prefix="CN.510000", payload=hebei)), "STATUS") == "404"
    missing = payload(format_identifier(prefix="CN.510000.C15", class_code="A", serial=99), request_key="cd" * 16)
    assert printed(national.shell(ASK_BELOW.format(prefix="CN.510000", payload=missing)), "STATUS") == "404"
    assert regional.request("/api/v1/network/holds/", body={})[0] == 401
    assert industry.query("SELECT COUNT(*) FROM orders_networkhold") == [(1,)]

    # the provider confirms at the industry node: an order there; the outcome goes up through the regional node
    decided = printed(industry.shell(DECIDE.format(action="confirm")), "DECIDED")
    assert decided.startswith("confirmed:DD")
    assert "1 sent, 0 failed" in industry.manage("federation_drain")
    assert holds(regional) == [("in", "CN", "confirmed"), ("out", "CN.510000.C15", "confirmed")]
    assert "1 sent, 0 failed" in regional.manage("federation_drain")
    assert national.query("SELECT status FROM demand_schedulingrecord") == [("confirmed",)]
    assert national.query("SELECT status FROM demand_demand") == [("confirmed",)]
    assert national.query("SELECT state, order_number FROM orders_networkhold") == [("confirmed", decided[10:])]
    assert "0 sent, 0 failed" in regional.manage("federation_drain")  # delivered once
