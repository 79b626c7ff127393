"""Resale offers where buyers search compute, in a browser at 1366 px and 390 px (Chinese and English): the
catalogue and selection rows with their offer summaries, the 含转售报价 filter, the compare page's 转售报价
row, a resource's page with its live offers and the filtered /resale/ list. Each page: no horizontal
overflow, no serious or critical axe finding, no console error; screenshots in tests/e2e/artifacts/resale_catalogue/."""

import pytest

from catalog.services import identifier_issue
from tests.e2e.conftest import ARTIFACTS, WIDTHS, keep_screenshot
from tests.workflows.demand.conftest import market  # noqa: F401  (fixture)
from tests.workflows.demand.resellers import qualified_reseller
from tests.workflows.demand.test_resale_catalog import _publish

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SHOTS = ARTIFACTS / "resale_catalogue"
# offer summaries whose text runs past the right edge of their table cell (cut off by its overflow)
CUT_SUMMARIES = """() => [...document.querySelectorAll('.offer-summary')].filter(link => {
  const cell = link.closest('td'), range = document.createRange();
  range.selectNodeContents(link);
  return range.getBoundingClientRect().right > cell.getBoundingClientRect().right + 1;
}).length"""


def test_the_offer_pages_at_two_widths_in_both_languages(asgi_server, browser, market, axe_violations):  # noqa: F811
    from search.backends import reset_backends

    reset_backends()
    codes = {key: identifier_issue(record=r, actor=None).code for key, r in market.resources.items()}
    reseller = qualified_reseller(number="ZS-2026-0102", customer_name="某客户", name="蜀道转售调度有限公司")
    _publish(reseller, [codes["chengdu"], codes["mianyang"]], terms="按月结算，最短一个月；交付后 7 日内可退。" * 4)
    _publish(reseller, [codes["chengdu"]], price="13.8", title="成都 A100 低价转售")
    chengdu = market.resources["chengdu"].name
    compare = "/select/compare/?" + "&".join(
        f"ids={market.resources[key].pk}" for key in ("chengdu", "mianyang", "hebei")
    )
    pages = (
        ("catalogue", "/catalog/", chengdu),
        ("catalogue-filtered", "/catalog/?resale=on", "共 2 项"),
        ("selection", "/select/?resale=1", "转售报价 2 个"),
        ("record", f"/catalog/r/{codes['chengdu']}/", "蜀道转售调度有限公司"),
        ("resale-list", f"/resale/?sort=price&resource={codes['chengdu']}", "成都 A100 低价转售"),
        ("compare", compare, "2 个，最低 ¥13.80/卡·时"),
        ("en-selection", "/en/select/?resale=1", "2 resale offers"),
        ("en-compare", "/en" + compare, "2 offers, from ¥13.80/card·hour"),
        ("en-record", f"/en/catalog/r/{codes['chengdu']}/", "Resale offers for this resource"),
    )
    for width, height in WIDTHS:
        context = browser.new_context(
            locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": width, "height": height}
        )
        page = context.new_page()
        page.set_default_timeout(20_000)
        errors = []
        page.on(
            "console", lambda message, errors=errors: errors.append(message.text) if message.type == "error" else None
        )
        for name, path, expected in pages:
            page.goto(asgi_server + path)
            assert expected in page.content(), name
            SHOTS.mkdir(parents=True, exist_ok=True)
            keep_screenshot(page, SHOTS / f"{name}-{width}.png")
            assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} overflows at {width} px"
            assert page.evaluate(CUT_SUMMARIES) == 0, f"{name}: an offer summary is cut off at {width} px"
            assert axe_violations(page) == [], name
            assert errors == [], name
        context.close()
