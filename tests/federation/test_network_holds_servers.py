"""Demand matching and holds across nodes over real HTTP (issue 14 item 5, issue 18 item 7): the national,
Sichuan regional and liquor industry nodes on loopback (tests/federation/nodes.py). An industry resource
synced to the regional node is offered to a demand there, with its source node; accepting the plan holds
the cards at the industry node through the network; the industry node's provider confirms (an order
there) or declines, and the outcome comes back up to the demand. With the industry node down, accepting
fails with a clear message and changes nothing on either node. The industry node refuses a hold request
signed by a node that is not its upstream (403) and one for a resource it does not have (404)."""

import pytest

from tests.federation.nodes import loopback_nodes, printed, three_nodes  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.slow, pytest.mark.own_databases]

LIST_A800 = """
from django.contrib.auth.models import Group
from catalog import services
from catalog.models import ComputeResource, Identifier, Provider, Site
from organizations.models import Organization, User
from organizations.uscc import make_uscc

organization = Organization.objects.create(
    name="宜宾酒业智算有限公司", kind="enterprise", province_id="510000", city_id="511500",
    uscc=make_uscc(division="511500", body="MA6TND01"), registered_capital=100_000_000,
)
provider = Provider.objects.create(organization=organization, onboarding_state="certified", is_resource_provider=True)
site = Site.objects.create(provider=provider, code="S1", name="宜宾数据中心", province_id="510000", city_id="511500")
resource = ComputeResource.objects.create(
    provider=provider, site=site, external_id="R-1", name="酿造工艺智算集群", resource_class="intelligent",
    accelerator_model="A800", accelerators_per_node=8, node_count=2, available_units=16, price_yuan="10.00",
    listing_state="pending",
)
services.record_approve(record=resource, actor=None, reason="跨节点调度测试")
staff = User.objects.create_user(username="yibin", password="x", organization=organization)
staff.groups.add(Group.objects.get_or_create(name="provider")[0])
print("IDENTIFIER=" + Identifier.objects.get(resource=resource).code)
"""
BUYER = """
from organizations.models import Organization, User
from organizations.uscc import make_uscc

organization = Organization.objects.create(
    name="成都模型训练有限公司", kind="enterprise", province_id="510000", city_id="510100",
    uscc=make_uscc(division="510100", body="MA6TND02"), registered_capital=10_000_000,
)
User.objects.create_user(username="buyer", password="x", organization=organization)
"""
SUBMIT = """
from organizations.models import Division, User
from workflows.demand import services

demand = services.demand_submit(user=User.objects.get(username="buyer"), data={
    "resource_class": "intelligent", "accelerator_model": "A800", "card_count": 8, "duration_hours": 10,
    "city": Division.objects.get(code="510100"),
})
match = demand.matches.get(rank=1)
print("DEMAND=%d" % demand.pk)
print("MATCH=%d" % match.pk)
print("ALLOTTED=" + ",".join(a.synced_identifier for a in match.allotments.all()))
print("EXPLAINED=" + match.explanation_text)
"""
ACCEPT = """
from django.core.exceptions import ValidationError
from workflows.demand import services
from workflows.demand.models import Demand

demand = Demand.objects.get(pk={demand})
try:
    services.demand_accept(demand=demand, match_id={match}, actor=demand.user)
except ValidationError as error:
    print("REFUSED=" + " ".join(error.messages))
else:
    print("ACCEPTED=" + Demand.objects.get(pk={demand}).status)
"""
DECIDE = """
from orders import remote
from orders.models import NetworkHold
from organizations.models import User

row = NetworkHold.objects.get(direction="in", state="held")
staff = User.objects.get(username="yibin")
if "{action}" == "confirm":
    row = remote.network_hold_confirm(row=row, actor=staff)
else:
    row = remote.network_hold_decline(row=row, actor=staff, reason="机房检修")
print("DECIDED=" + row.state + ":" + row.order_number)
"""
# the national node signs a hold request straight to the industry node: it is not the industry node's upstream
NOT_UPSTREAM = """
from federation.downlink import downlink_request
from federation.models import Peer

status, body = downlink_request(peer=Peer(prefix="CN.510000.C15", url="{url}"), method="POST",
    path="/api/v1/network/holds/", payload={payload})
print("STATUS=%d" % status)
"""
# the regional node (the real upstream) asks for a resource the industry node does not have
NOT_OWNED = """
from federation.downlink import downlink_request
from federation.models import Peer

status, body = downlink_request(peer=Peer.objects.get(prefix="CN.510000.C15"), method="POST",
    path="/api/v1/network/holds/", payload={payload})
print("STATUS=%d" % status)
"""


def payload(identifier: str) -> str:
    return repr(
        {
            "request_key": "ab" * 16,
            "reference": "match:999",
            "identifier": identifier,
            "cards": 1,
            "hours": 1,
            "unit_price_yuan": "10.00",
        }
    )


def held_units(node) -> list[tuple]:
    return node.query("SELECT held_units, allocated_units FROM orders_capacity")


def test_a_regional_demand_is_matched_and_held_at_the_industry_node(loopback_nodes):  # noqa: F811
    national, regional, industry = three_nodes(loopback_nodes, UPSTREAM_TIMEOUT_SECONDS="30")  # a loaded CI machine
    industry.start()
    code = printed(industry.shell(LIST_A800), "IDENTIFIER")
    assert "1 sent, 0 failed" in industry.manage("federation_drain")
    assert "1 sent, 0 failed" in regional.manage("federation_drain")
    assert "1 acknowledged" in industry.manage("federation_drain")
    assert "sync: 1 records in 1 batches" in industry.manage("federation_sync")
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
    missing = NOT_OWNED.format(payload=payload("CN.510000.C15/A000000099"))
    assert printed(regional.shell(missing), "STATUS") == "404"
    assert industry.query("SELECT COUNT(*) FROM orders_networkhold") == [(2,)]
    assert industry.request("/api/v1/network/holds/", body={})[0] == 401  # unsigned
