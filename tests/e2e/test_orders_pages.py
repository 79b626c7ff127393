"""The order pages of this issue at 1366 px and 390 px: an order with its access hand-off and usage
(provider and buyer), the buyer's access view, the month's statement and the buyer's API keys. On each:
no horizontal overflow on the phone and no console errors; screenshots in tests/e2e/artifacts/orders/."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from orders import services as order_services
from orders.access import AccessDetails, access_attach
from orders.usage import UsageInput, usage_record_push
from tests.e2e.conftest import ARTIFACTS, WIDTHS, keep_screenshot
from tests.orders.conftest import accepted, confirmed  # noqa: F401  (fixtures)
from tests.workflows.demand.conftest import market, submit  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SHOTS = ARTIFACTS / "orders"


def _login(browser, live_server, client, user, width, height):
    client.force_login(user)
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": width, "height": height}
    )
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"}]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.console_errors = []
    page.on("console", lambda message: page.console_errors.append(message.text) if message.type == "error" else None)
    return context, page


def test_order_pages_at_desktop_and_phone_widths(browser, live_server, client, market, confirmed):  # noqa: F811
    order_services.order_activate(order=confirmed, actor=market.staff["chengdu"])
    access_attach(
        order=confirmed,
        actor=market.staff["chengdu"],
        details=AccessDetails(endpoint="ssh://gpu01.cd.example.cn:22", account="team-a", credential="S3cret-pass"),
    )
    end = timezone.now()
    usage_record_push(
        provider=market.providers["chengdu"],
        data=UsageInput(
            record_id="job-1",
            order_id=confirmed.pk,
            resource_id=market.resources["chengdu"].pk,
            card_hours=Decimal("11.5"),
            started_at=end - timedelta(hours=2),
            ended_at=end,
            job_id="train-42",
        ),
    )
    views = [
        (market.staff["chengdu"], f"/orders/{confirmed.pk}/", "order-provider"),
        (market.staff["chengdu"], f"/orders/{confirmed.pk}/access/", "access-form"),
        (market.user, f"/orders/{confirmed.pk}/", "order-buyer"),
        (market.user, f"/orders/{confirmed.pk}/access/", "access-buyer"),
        (market.user, "/orders/statements/", "statement-month"),
        (market.user, "/orders/api-keys/", "buyer-keys"),
    ]
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in WIDTHS:
        for user, url, name in views:
            context, page = _login(browser, live_server, client, user, width, height)
            page.goto(live_server.url + url)
            page.wait_for_load_state("load")
            keep_screenshot(page, SHOTS / f"{name}-{width}.png")
            assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
            assert page.console_errors == [], name
            text = page.inner_text("main") if page.query_selector("main") else page.content()
            assert ("S3cret-pass" in text) == (name == "access-buyer"), name
            context.close()
