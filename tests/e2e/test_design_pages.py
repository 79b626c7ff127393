"""The public pages in the design system, at 1366 px and 390 px: home, the catalogue (with a keyword and a
sort), the selection page (with filters), the comparison and a record page. On each: no horizontal
overflow on the phone, no console errors, no serious or critical axe findings; a screenshot of every page
is kept in tests/e2e/artifacts/design/. On the desktop a buyer sorts by clicking a header and compares
two resources; on the phone the filters start collapsed and the results are cards.

Served by ``asgi_server`` (the ASGI application, as daphne serves it) so the live updates' websocket
connects and a failing connection would show as a console error.
"""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command

from tests.e2e.conftest import ARTIFACTS, WIDTHS, keep_screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SHOTS = ARTIFACTS / "design"


def visit(page, url: str, name: str, width: int, axe_violations) -> None:
    page.console_errors.clear()
    page.goto(url)
    page.wait_for_load_state("load")
    SHOTS.mkdir(parents=True, exist_ok=True)
    keep_screenshot(page, SHOTS / f"{name}-{width}.png")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{name} at {width} px is {scroll_width} px wide"
    assert axe_violations(page) == [], name
    assert page.console_errors == [], name


@pytest.fixture
def pages_of(browser):
    contexts = []

    def open_page(width: int, height: int):
        context = browser.new_context(
            locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": width, "height": height}
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.console_errors = errors
        return page

    yield open_page
    for context in contexts:
        context.close()


def test_public_pages_at_desktop_and_phone_widths_and_a_buyer_compares(asgi_server, pages_of, axe_violations):
    call_command("seed_demo", quiet=True)
    from search.backends import reset_backends

    reset_backends()
    for width, height in WIDTHS:
        page = pages_of(width, height)
        visit(page, asgi_server + "/", "home", width, axe_violations)
        footer = page.locator("footer.site-footer").inner_text()
        assert "主办单位" in footer and "ICP备" in footer and "政府网站标识码" in footer
        assert page.locator(".brand-region").inner_text() == "四川"

        visit(page, asgi_server + "/catalog/?q=A800&sort=-price", "catalog", width, axe_violations)
        names = page.locator(".cat-table tbody tr td:first-child a").all_inner_texts()
        assert names and all("A800" in name for name in names)
        record_href = page.locator(".cat-table tbody tr td:first-child a").first.get_attribute("href")

        visit(
            page, asgi_server + "/select/?resource_class=intelligent&user_city=510100", "select", width, axe_violations
        )
        ids = page.locator("#sel-table tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.liveRecord.split(':')[1])"
        )
        assert len(ids) >= 2
        panel_open = page.locator("details[data-sel-panel]").evaluate("panel => panel.open")
        if width < 992:
            assert panel_open is False  # phones: results first, filters one tap away
            assert page.locator("#sel-table thead").bounding_box()["height"] <= 1  # cards, no header row
        else:
            assert panel_open is True

        compare = f"/select/compare/?ids={ids[0]}&ids={ids[1]}&user_city=510100"
        visit(page, asgi_server + compare, "compare", width, axe_violations)
        assert page.locator(".cmp-table thead th.cmp-head").count() == 2

        visit(page, asgi_server + record_href, "record", width, axe_violations)

    # a buyer on the desktop: sorts by a header, picks columns, compares two resources
    page = pages_of(1366, 900)
    page.goto(asgi_server + "/select/?resource_class=intelligent")

    page.locator("#sel-table thead").get_by_role("link", name=re.compile("^单价")).click()
    page.wait_for_url(re.compile(r"sort=-price"))
    prices = [float(p.replace(",", "")) for p in page.locator("[data-live-field=price_yuan]").all_inner_texts()]
    assert prices == sorted(prices, reverse=True)

    page.get_by_text("显示列").click()
    page.get_by_label("服务商", exact=True).uncheck()
    page.get_by_label("位置", exact=True).uncheck()
    page.locator(".sel-columns-form").get_by_role("button", name="应用").click()
    page.wait_for_url(re.compile(r"cols="))
    assert page.locator("#sel-table thead th.sel-col-provider").count() == 0
    assert page.locator("#sel-table thead th.sel-col-price").count() == 1
    query = parse_qs(urlsplit(page.url).query)
    assert query["sort"] == ["-price"] and "provider" not in query["cols"]

    names = page.locator("#sel-table tbody th.sel-name a").all_inner_texts()[:2]
    boxes = page.locator("#sel-table tbody input[name=ids]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.get_by_role("button", name="对比所选资源").click()
    page.wait_for_url(re.compile(r"/select/compare/\?"))
    heads = page.locator(".cmp-table thead th.cmp-head a").all_inner_texts()
    assert heads == names
    assert axe_violations(page) == []
    assert page.console_errors == []
