"""Someone choosing compute for a training job: filters, sorts, pages back and forth, exports what
is on screen, and sees a status change made on the server arrive without reloading the page.

pytest-django's live server speaks WSGI only, so this test uses ``asgi_server`` (tests/e2e/conftest.py):
the ASGI application (HTTP and websockets, the same ``portal.asgi.application`` daphne serves) under
uvicorn in a thread of the test process, on a free port, against the test database.
"""

import csv
import io
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def catalogue():
    """24 intelligent resources in Chengdu (prices 5.00..16.50) and 3 general ones in Mianyang;
    a dedicated line from Mianyang to the Chengdu site."""
    from search.backends import reset_backends
    from tests.catalog.factories import (
        ComputeResourceFactory,
        NetworkLineFactory,
        SiteFactory,
        ensure_reference_data,
    )

    ensure_reference_data()
    chengdu = SiteFactory(city_id="510100", name="成都智算中心")
    mianyang = SiteFactory(city_id="510700", name="绵阳数据中心")
    intelligent = [
        ComputeResourceFactory(
            site=chengdu, name=f"A100 集群 {n:02d}", price_yuan=Decimal("5.00") + Decimal("0.50") * n, available_units=8
        )
        for n in range(24)
    ]
    general = [
        ComputeResourceFactory(
            site=mianyang,
            name=f"通用计算 {n}",
            resource_class="general",
            accelerator_model="",
            accelerator_vendor="",
            accelerators_per_node=0,
            price_yuan=Decimal("0.80"),
        )
        for n in range(3)
    ]
    NetworkLineFactory(to_site=chengdu, from_city_id="510700", latency_ms=Decimal("6.00"), bandwidth_mbps=2000)
    reset_backends()
    return {"intelligent": intelligent, "general": general}


def row_names(page) -> list[str]:
    return [name.strip() for name in page.locator("#sel-table tbody tr th a, #sel-table tbody tr th").all_inner_texts()]


def shown_ids(page) -> list[int]:
    keys = page.locator("#sel-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.liveRecord)")
    return [int(key.split(":")[1]) for key in keys]


def test_choose_filter_sort_paginate_export_and_see_live_changes(asgi_server, catalogue, page, axe_violations):
    from catalog.services import record_update_status

    page.goto(asgi_server + "/select/")
    assert page.get_by_role("heading", level=1).inner_text() == "算力选择"
    assert page.locator("#sel-table tbody tr").count() == 20  # the first of two pages
    assert axe_violations(page) == []

    # filter: intelligent compute, from the form (a GET: the state is in the URL)
    page.get_by_role("combobox", name="算力类型", exact=True).select_option("intelligent")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r"resource_class=intelligent"))
    assert page.locator(".sel-summary").inner_text().startswith("共 24 项")

    # sort: changing the order submits the form by itself (selection.js)
    page.get_by_role("combobox", name="排序", exact=True).select_option("-price")
    page.wait_for_url(re.compile(r"sort=-price"))
    first = max(catalogue["intelligent"], key=lambda r: r.price_yuan)
    assert shown_ids(page)[0] == first.pk

    # paginate, then the back button returns to page one
    page.get_by_role("link", name="下一页").click()
    page.wait_for_url(re.compile(r"page=2"))
    assert len(shown_ids(page)) == 4
    page.go_back()
    page.wait_for_url(lambda url: "page=2" not in url)
    assert shown_ids(page)[0] == first.pk
    query = parse_qs(urlsplit(page.url).query)
    assert query["resource_class"] == ["intelligent"] and query["sort"] == ["-price"]

    # export exactly what is on screen
    on_screen = shown_ids(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出本页（CSV）").click()
    content = download_info.value.path().read_bytes().decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(content)))
    names_by_id = {r.pk: r.name for r in catalogue["intelligent"]}
    assert [row[1] for row in table[1:]] == [names_by_id[pk] for pk in on_screen]

    # live: only resources available now; a change made on the server reaches the open page
    page.goto(asgi_server + "/select/?resource_class=intelligent&sort=-price&available_now=1&user_city=510700")
    page.wait_for_selector("html[data-live=open]")
    row = page.locator(f'tr[data-live-record="resource:{first.pk}"]')
    assert row.locator("[data-live-field=available_units]").inner_text() == "8"
    assert "6.00 毫秒 · 2000 Mbps" in row.inner_text()
    record_update_status(record=first, changes={"available_units": 0, "price_yuan": Decimal("9.90")})
    row.locator("[data-live-field=available_units]").filter(has_text=re.compile(r"^0$")).wait_for(timeout=5000)
    assert row.locator("[data-live-field=price_yuan]").inner_text() == "9.90"
    flag = row.locator("[data-sel-flag]")
    flag.wait_for(state="visible")
    assert flag.inner_text() == "已不符合当前筛选条件"
    assert page.url.endswith("user_city=510700")  # no reload happened
    assert axe_violations(page) == []
    assert page.console_errors == []
