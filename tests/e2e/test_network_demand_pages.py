"""The pages of demands across nodes, at 1366 px and 390 px: a buyer's demand matched with a resource of a
node below (its source node named, its part held there), the synced record's page (a link to the owning
node), and, on the owning node, its provider's list of requests from the node above and the request's page
with confirm / decline. No sideways scrolling, no console errors, no serious or critical axe findings;
screenshots are saved as test artifacts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from .conftest import ARTIFACTS, PAGE_WIDTHS, keep_screenshot
from .test_workbench_journey import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
CODE = "CN.510000.C15/A00000012B"  # a well-formed identifier (its check character)


def look(page, axe_violations, name: str, width: int) -> None:
    page.wait_for_load_state()
    ARTIFACTS.mkdir(exist_ok=True)
    keep_screenshot(page, ARTIFACTS / f"network-{name}-{width}.png")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name} at {width} px scrolls sideways by {overflow} px"
    assert axe_violations(page) == [], name
    assert page.console_errors == [], name


@pytest.fixture
def network(monkeypatch):
    from catalog.services import identifier_issue
    from federation import signing
    from federation.models import Peer, SyncedRecord, UpstreamLink
    from orders import remote
    from organizations.models import Division
    from tests.catalog.factories import ComputeResourceFactory, ensure_reference_data
    from tests.factories import OrganizationFactory, UserFactory
    from workflows.demand import network as demand_network
    from workflows.demand import services

    ensure_reference_data()
    peer = Peer.objects.create(
        name="酒的制造业行业节点", role="industry", prefix="CN.510000.C15", url="http://127.0.0.1:9"
    )
    SyncedRecord.objects.create(
        identifier=CODE,
        record_type="resource",
        source_prefix=peer.prefix,
        source_name=peer.name,
        source_url=f"http://127.0.0.1:9/catalog/r/{CODE}/",
        peer=peer,
        position=7,
        snapshot={
            "name": "酿造工艺智算集群",
            "provider": "宜宾酒业智算有限公司",
            "site": "宜宾数据中心",
            "state": "online",
            "state_label": "在线",
            "resource_class": "intelligent",
            "accelerator_model": "NVIDIA A100 80GB (SXM4)",
            "accelerators_per_node": 8,
            "billing_unit": "card_hour",
            "price_yuan": "5.00",
            "available_units": 16,
            "province_code": "510000",
        },
    )
    buyer = UserFactory(organization=OrganizationFactory(city_id="510100", name="成都模型训练有限公司"))
    monkeypatch.setattr(demand_network, "downlink_request", lambda **kwargs: (201, {"state": "held"}))
    demand = services.demand_submit(
        user=buyer,
        data={
            "resource_class": "intelligent",
            "accelerator_model": "NVIDIA A100 80GB (SXM4)",
            "card_count": 8,
            "duration_hours": 24,
            "city": Division.objects.get(code="510100"),
        },
    )
    services.demand_accept(demand=demand, match_id=demand.matches.get(rank=1).pk, actor=buyer)

    # the same database plays the owning node: its upstream asked to hold one of its resources
    UpstreamLink.objects.create(
        url="http://127.0.0.1:9",
        upstream_prefix="CN.510000",
        upstream_name="四川省区域节点",
        prefix="CN.510000.C15",
        role="industry",
        key_id="own",
        private_key=signing.generate_keypair().private_key,
        enrolled_at=timezone.now() - timedelta(days=1),
    )
    resource = ComputeResourceFactory(name="酿造工艺智算集群", price_yuan=Decimal("5.00"), available_units=16)
    identifier_issue(record=resource, actor=None)
    resource.refresh_from_db()
    remote.network_hold_receive(
        link=UpstreamLink.objects.get(),
        data={
            "request_key": "ab" * 16,
            "reference": "match:1",
            "identifier": resource.identifier.code,
            "cards": 8,
            "hours": 24,
            "unit_price_yuan": Decimal("5.00"),
            "buyer": "成都模型训练有限公司",
        },
    )
    staff = UserFactory(roles=["provider"], organization=resource.provider.organization)
    return {"buyer": buyer, "demand": demand, "staff": staff}


@pytest.mark.parametrize("width", PAGE_WIDTHS)
def test_demand_and_owning_node_pages(live_server, page, axe_violations, network, width):
    from orders.models import NetworkHold

    page.set_viewport_size({"width": width, "height": 900})
    base = live_server.url
    demand = network["demand"]
    sign_in(page, base, network["buyer"].username, f"/demands/{demand.pk}/")
    assert "酒的制造业行业节点（CN.510000.C15）" in page.content()
    assert "预留于资源所属节点" in page.content()
    look(page, axe_violations, "demand", width)
    page.goto(f"{base}/catalog/r/{CODE}/")
    assert (
        page.get_by_role("link", name="在来源节点查看").get_attribute("href") == f"http://127.0.0.1:9/catalog/r/{CODE}/"
    )
    look(page, axe_violations, "synced-record", width)

    sign_in(page, base, network["staff"].username, "/demands/scheduling/")
    assert "上级节点的调度请求" in page.content() and "四川省区域节点（CN.510000）" in page.content()
    look(page, axe_violations, "scheduling-list", width)
    row = NetworkHold.objects.get(direction="in")
    page.goto(f"{base}/orders/network/{row.pk}/")
    look(page, axe_violations, "network-hold", width)
    with page.expect_navigation():
        page.get_by_role("button", name="确认调度").click()
    row.refresh_from_db()
    assert row.state == "confirmed" and row.order_number in page.content()
    look(page, axe_violations, "network-hold-confirmed", width)
