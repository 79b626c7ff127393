"""The shared set-up of the cross-node holds tests (test_network_holds_servers.py, through the regional node
test_network_holds_relay_servers.py): the three nodes on loopback with an A800 resource listed at the
industry node, its filing acknowledged and its catalogue synced to the regional node, and the scripts
that drive a demand and a hold on a node."""

from dataclasses import dataclass

import pytest

from tests.federation.nodes import Node, printed, three_nodes

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
# a node asks one of the nodes enrolled below it to hold capacity (what that node must refuse)
ASK_BELOW = """
from federation.downlink import downlink_request
from federation.models import Peer

status, body = downlink_request(peer=Peer.objects.get(prefix="{prefix}"), method="POST",
    path="/api/v1/network/holds/", payload={payload})
print("STATUS=%d" % status)
"""


def payload(identifier: str, *, request_key: str = "ab" * 16) -> str:
    """A hold request for one card of ``identifier``, as a script literal."""
    return repr(
        {
            "request_key": request_key,
            "reference": "match:999",
            "identifier": identifier,
            "cards": 1,
            "hours": 1,
            "unit_price_yuan": "10.00",
        }
    )


def held_units(node: Node) -> list[tuple]:
    return node.query("SELECT held_units, allocated_units FROM orders_capacity")


@dataclass(frozen=True)
class ListedNetwork:
    national: Node
    regional: Node
    industry: Node
    code: str  # the industry node's A800 resource, acknowledged and synced to the regional node


@pytest.fixture
def listed_network(loopback_nodes) -> ListedNetwork:
    """The three nodes running (a loaded CI machine: 30 s upstream timeout), the industry node's A800
    resource listed after the national acknowledgement came back through the regional node, and synced up."""
    national, regional, industry = three_nodes(loopback_nodes, UPSTREAM_TIMEOUT_SECONDS="30")
    industry.start()
    code = printed(industry.shell(LIST_A800), "IDENTIFIER")
    assert "1 sent, 0 failed" in industry.manage("federation_drain")
    assert "1 sent, 0 failed" in regional.manage("federation_drain")
    assert "1 acknowledged" in industry.manage("federation_drain")
    assert "sync: 1 records in 1 batches" in industry.manage("federation_sync")
    return ListedNetwork(national=national, regional=regional, industry=industry, code=code)
