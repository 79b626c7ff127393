"""A visitor browses the public catalogue, filters it, looks a resource up by its identifier from the
home page, and sees its price change on the open page when the provider reports a new one."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalogue():
    from catalog.services import identifier_issue
    from search.backends import reset_backends
    from tests.catalog.factories import ComputeResourceFactory, SiteFactory, ensure_reference_data

    ensure_reference_data()
    chengdu = SiteFactory(city_id="510100", name="成都智算中心")
    hebei = SiteFactory(city_id="130100", name="石家庄数据中心")
    resources = [
        ComputeResourceFactory(site=chengdu, name=f"A100 集群 {n:02d}", price_yuan=Decimal("12.00")) for n in range(3)
    ]
    resources.append(
        ComputeResourceFactory(
            site=hebei,
            name="鲲鹏通用算力",
            resource_class="general",
            accelerator_model="",
            accelerator_vendor="",
            accelerators_per_node=0,
        )
    )
    for resource in resources:
        identifier_issue(record=resource, actor=None)
        resource.refresh_from_db()
    reset_backends()
    return resources


def test_visitor_browses_filters_looks_up_and_sees_a_live_price(asgi_server, catalogue, page, axe_violations):
    from catalog.services import record_update_status

    page.goto(asgi_server + "/")
    expect(page.get_by_role("heading", name="本节点算力概况")).to_be_visible()
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="算力目录").click()
    page.wait_for_url(re.compile(r"/catalog/$"))
    rows = page.locator("table.cat-table tbody tr")
    assert rows.count() == 4
    assert axe_violations(page) == []

    page.get_by_label("算力类型").select_option(label="通用算力")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r"resource_class=general"))
    assert rows.count() == 1 and "鲲鹏通用算力" in rows.first.inner_text()

    # the identifier lookup on the home page resolves to the record's own page
    target = catalogue[0]
    page.goto(asgi_server + "/")
    page.get_by_label("算力标识", exact=True).fill("not-an-identifier")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    page.get_by_label("算力标识", exact=True).fill(target.identifier.code.lower())
    page.get_by_role("button", name="查询").click()
    page.wait_for_url(re.compile(re.escape(f"/catalog/r/{target.identifier.code}/") + "$"))
    assert page.get_by_role("heading", level=1).inner_text() == target.name
    assert axe_violations(page) == []

    # live price: the provider reports a new price; the open page shows it without reloading
    page.wait_for_selector("html[data-live=open]")
    price = page.locator(f'[data-live-record="resource:{target.pk}"] [data-live-field=price_yuan]').first
    assert price.inner_text() == "12.00"
    record_update_status(record=target, changes={"price_yuan": Decimal("9.90")})
    price.filter(has_text=re.compile(r"^9\.90$")).wait_for(timeout=10_000)
    assert page.console_errors == []
