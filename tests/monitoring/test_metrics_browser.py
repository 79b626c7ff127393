"""In Chromium: the dashboard draws its charts (vendored Chart.js) under the strict CSP, the headline
tiles fill in from the JSON endpoint, and clicking a chart shows the records behind the point."""

import datetime
import re

import pytest
from django.utils import timezone

from tests.monitoring.test_csp_browser import PASSWORD, browser, csp_violations, page  # noqa: F401

from .metrics_helpers import a100_resource, push

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_dashboard_charts_tiles_and_drill_down(live_server, page, make_user):  # noqa: F811
    from monitoring.metrics.rollup import resource_rollup
    from tests.catalog.factories import ensure_reference_data

    ensure_reference_data()
    resource = a100_resource(name="浏览器测试集群")
    now = timezone.now()
    push(resource, (now - datetime.timedelta(hours=3), 16), (now - datetime.timedelta(hours=2), 8))
    resource_rollup()
    make_user("node_operator", username="ops-browser")

    page.goto(live_server.url + "/accounts/login/")
    page.locator("input[name=username]").fill("ops-browser")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/me/$"))
    response = page.goto(live_server.url + "/monitoring/", wait_until="networkidle")
    assert response.status == 200
    page.wait_for_function("document.querySelector('[data-tile=installed_cards]').textContent === '32'")
    canvas = page.locator("#chart-capacity_cards canvas")
    page.wait_for_function("window.Chart && Chart.getChart(document.querySelector('#chart-capacity_cards canvas'))")
    box = canvas.bounding_box()
    canvas.click(position={"x": box["width"] - 20, "y": box["height"] / 2})  # the last day: today
    page.wait_for_selector(".metrics-drill:not([hidden]) td")
    assert "浏览器测试集群" in page.locator(".metrics-drill-table").inner_text()
    assert csp_violations(page) == []
