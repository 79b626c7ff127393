"""Demand matching and holds across nodes over real HTTP (issue 14 item 5, issue 18 item 7): the national,
Sichuan regional and liquor industry nodes on loopback (tests/federation/nodes.py). An industry resource
synced to the regional node is offered to a demand there, with its source node; accepting the plan holds
the cards at the industry node through the network; the industry node's provider confirms (an order
there) or declines, and the outcome comes back up to the demand. With the industry node down, accepting
fails with a clear message and changes nothing on either node. The industry node refuses a hold request
signed by a node that is not its upstream (403) and one for a resource it does not have (404)."""

import pytest

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

# the national node signs a hold request straight to the industry node: it is not the industry node's upstream
NOT_UPSTREAM = """
from federation.downlink import downlink_request
from federation.models import Peer

status, body = downlink_request(peer=Peer(prefix="CN.510000.C15", url="{url}"), method="POST",
    path="/api/v1/network/holds/", payload={payload})
print("STATUS=%d" % status)
"""


def test_a_regional_demand_is_matched_and_held_at_the_industry_node(listed_network):  # noqa: F811
    network = listed_network
    national, regional, industry, code = network.national, network.regional, network.industry, network.code
    regional.shell(BUYER)

    # matched at the regional node with the industry node's resource, its source node in the explanation
    output = regional.shell(SUBMIT)
    demand, match = printed(output, "DEMAND"), printed(output, "MATCH")
    assert printed(output, "ALLOTTED") == code
    assert "酒的制造业行业节点（CN.510000.C15）" in printed(output, "EXPLAINED")

    # the industry node is down: accepting fails cleanly, nothing is held anywhere, the plan stays open
    industry.stop()
    refused = printed(regional.shell(ACCEPT.format(demand=demand, match=match)), "REFUSED")
    assert "酒的制造业行业节点（CN.510000.C15） 暂时无法连接" in refused
    assert regional.query("SELECT status FROM demand_demand") == [("matched",)]
    assert regional.query("SELECT state FROM demand_demandmatch WHERE id = ?", match) == [("offered",)]
    assert regional.query("SELECT COUNT(*) FROM orders_networkhold") == [(0,)]
    assert regional.query("SELECT COUNT(*) FROM demand_schedulingrecord") == [(0,)]
    industry.start()
    assert industry.query("SELECT COUNT(*) FROM orders_hold") == [(0,)]

    # accepted: the 8 cards are held at the industry node, for the regional node's buyer
    assert printed(regional.shell(ACCEPT.format(demand=demand, match=match)), "ACCEPTED") == "accepted"
    assert industry.query(
        "SELECT direction, peer_prefix, identifier, cards, state, buyer_name FROM orders_networkhold"
    ) == [("in", "CN.510000", code, 8, "held", "成都模型训练有限公司")]
    assert held_units(industry) == [(8, 0)]
    assert regional.query("SELECT direction, peer_prefix, state FROM orders_networkhold") == [
        ("out", "CN.510000.C15", "held")
    ]
    assert regional.query("SELECT remote_node, remote_provider, status FROM demand_schedulingrecord") == [
        ("CN.510000.C15", "宜宾酒业智算有限公司", "pending")
    ]

    # the industry node's provider confirms there: an order there, the outcome travels up to the demand
    decided = printed(industry.shell(DECIDE.format(action="confirm")), "DECIDED")
    assert decided.startswith("confirmed:DD")
    assert held_units(industry) == [(0, 8)]
    assert "1 sent, 0 failed" in industry.manage("federation_drain")
    assert regional.query("SELECT status FROM demand_schedulingrecord") == [("confirmed",)]
    assert regional.query("SELECT status FROM demand_demand") == [("confirmed",)]
    assert regional.query("SELECT state, order_number FROM orders_networkhold") == [("confirmed", decided[10:])]
    assert "0 sent, 0 failed" in industry.manage("federation_drain")  # delivered once

    # a second demand for the 8 cards left; the provider declines: released there, unfulfilled here
    output = regional.shell(SUBMIT)
    demand, match = printed(output, "DEMAND"), printed(output, "MATCH")
    assert printed(regional.shell(ACCEPT.format(demand=demand, match=match)), "ACCEPTED") == "accepted"
    assert held_units(industry) == [(8, 8)]
    assert printed(industry.shell(DECIDE.format(action="decline")), "DECIDED") == "declined:"
    assert held_units(industry) == [(0, 8)]
    assert "1 sent, 0 failed" in industry.manage("federation_drain")
    status = regional.query("SELECT status, decline_reason FROM demand_schedulingrecord WHERE demand_id = ?", demand)
    assert status == [("declined", "下级节点服务商谢绝：机房检修")]
    assert regional.query("SELECT status FROM demand_demand WHERE id = ?", demand) == [("unfulfilled",)]

    # denials: a node that is not the industry node's upstream (403); a resource it does not have (404)
    forged = NOT_UPSTREAM.format(url=industry.url, payload=payload(code))
    assert printed(national.shell(forged), "STATUS") == "403"
    missing = ASK_BELOW.format(prefix="CN.510000.C15", payload=payload("CN.510000.C15/A000000099"))
    assert printed(regional.shell(missing), "STATUS") == "404"
    assert industry.query("SELECT COUNT(*) FROM orders_networkhold") == [(2,)]
    assert industry.request("/api/v1/network/holds/", body={})[0] == 401  # unsigned
