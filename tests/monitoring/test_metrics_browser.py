"""In Chromium: the dashboard draws its charts (vendored Chart.js) under the strict CSP, the headline
tiles fill in over their websocket and change live, without a reload, when a resource's status
changes on the server, and clicking a chart shows the records behind the point.

pytest-django's live server speaks WSGI only: this test uses ``asgi_server`` (tests/e2e/conftest.py),
the ASGI application (HTTP and websockets, as daphne serves it) under uvicorn in a thread of the test
process, against the test database."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import asgi_server  # noqa: F401  (a fixture)
from tests.security.test_csp_browser import PASSWORD, browser, csp_violations, page  # noqa: F401

from .metrics_helpers import a100_resource, push

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_dashboard_charts_live_tiles_and_drill_down(asgi_server, page, make_user, settings):  # noqa: F811
    from catalog.services import record_update_status
    from monitoring.metrics.rollup import resource_rollup
    from tests.catalog.factories import ensure_reference_data

    settings.LIVE_POLL_SECONDS = 0.2
    ensure_reference_data()
    resource = a100_resource(name="浏览器测试集群")  # 32 cards, 16 available
    now = timezone.now()
    push(resource, (now - datetime.timedelta(hours=3), 16), (now - datetime.timedelta(hours=2), 8))
    resource_rollup()
    make_user("node_operator", username="ops-browser")

    page.goto(asgi_server + "/accounts/login/")
    page.locator("input[name=username]").fill("ops-browser")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/me/$"))
    response = page.goto(asgi_server + "/monitoring/", wait_until="networkidle")
    assert response.status == 200
    # (expect() polls from Playwright's side: a polling wait_for_function would evaluate a string in the
    # page, which the CSP refuses)
    expect(page.locator(".metrics-headline")).to_have_attribute("data-live", "open")
    expect(page.locator("[data-tile=installed_cards]")).to_have_text("32")
    assert page.locator("[data-tile=available_cards]").inner_text() == "16"
    assert page.locator("[data-tile=utilisation_percent]").inner_text() == "50"

    # a status change on the server: the open page shows it without a reload
    page.evaluate("window.__notReloaded = true")
    record_update_status(record=resource, changes={"available_units": 4, "state": "maintenance"})
    expect(page.locator("[data-tile=available_cards]")).to_have_text("4")
    assert page.locator("[data-tile=utilisation_percent]").inner_text() == "87.5"
    assert page.locator("[data-tile=online_rate_percent]").inner_text() == "0"
    assert page.evaluate("window.__notReloaded === true")

    canvas = page.locator("#chart-capacity_cards canvas")
    expect(canvas).to_have_attribute("style", re.compile("width"))  # Chart.js drew it (responsive size)
    box = canvas.bounding_box()
    canvas.click(position={"x": box["width"] - 20, "y": box["height"] / 2})  # the last day: today
    page.wait_for_selector(".metrics-drill:not([hidden]) td")
    assert "浏览器测试集群" in page.locator(".metrics-drill-table").inner_text()
    assert csp_violations(page) == []
    assert page.console_errors == []
