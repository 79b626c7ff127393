"""Two pages of issue 18's last items at 1366 px and 390 px, in a real browser on the ASGI server:
the people page, where the buyer organisation's administrator allows a colleague to see order
credentials (the column, the button, the result); and the selection page filtered by a reliability
floor, which shows the refresh notice when a resource rises above the floor (ws/select/). Screenshots in
tests/e2e/artifacts/orders/; no horizontal overflow on the phone, no console errors."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import OrganizationAdministrator
from catalog.snapshots import RESOURCE
from changes.services import changes_append
from monitoring.models import ResourceReliability
from search.backends import reset_backends
from tests.e2e.conftest import ARTIFACTS, WIDTHS, keep_screenshot
from tests.factories import OrganizationFactory, UserFactory
from tests.monitoring.metrics_helpers import a100_resource

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SHOTS = ARTIFACTS / "orders"


def _context(browser, server, client, user, width, height):
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": width, "height": height}
    )
    if user is not None:
        client.force_login(user)
        host = server.split("//", 1)[1].split(":")[0]
        context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"}]
        )
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.console_errors = []
    page.on("console", lambda message: page.console_errors.append(message.text) if message.type == "error" else None)
    return context, page


def test_people_page_grants_credentials_access(browser, asgi_server, client):
    SHOTS.mkdir(parents=True, exist_ok=True)
    organization = OrganizationFactory()
    admin = UserFactory(username="buyeradmin", full_name="王管理", organization=organization)
    OrganizationAdministrator.objects.create(user=admin, organization=organization)
    colleague = UserFactory(username="colleague", full_name="李同事", organization=organization)
    for width, height in WIDTHS:
        context, page = _context(browser, asgi_server, client, admin, width, height)
        page.goto(asgi_server + "/me/organization/people/")
        assert "查看订单接入凭据" in page.inner_text("main")
        keep_screenshot(page, SHOTS / f"people-credentials-{width}.png")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        if width == 1366:
            form = page.locator(f"form[action='/me/organization/people/{colleague.pk}/credentials/']")
            form.get_by_role("button", name="允许查看").click()
            form.get_by_role("button", name="收回").wait_for()  # the page came back with the grant
            assert "已允许" in page.content()
            keep_screenshot(page, SHOTS / f"people-credentials-granted-{width}.png")
        assert page.console_errors == []
        context.close()
    assert colleague.__class__.objects.get(pk=colleague.pk).has_perm("orders.view_order_credentials")


def test_selection_filtered_by_reliability_is_told_to_refresh(browser, asgi_server, client):
    SHOTS.mkdir(parents=True, exist_ok=True)
    reset_backends()
    steady = a100_resource(external_id="STEADY", name="成都稳定算力池")
    rising = a100_resource(external_id="RISING", name="成都新晋算力池")
    now = timezone.now()
    ResourceReliability.objects.create(
        resource=steady, score_percent=Decimal("99.50"), basis="monitoring", computed_at=now
    )
    ResourceReliability.objects.create(
        resource=rising, score_percent=Decimal("95.00"), basis="monitoring", computed_at=now
    )
    pages = []
    for width, height in WIDTHS:
        context, page = _context(browser, asgi_server, client, None, width, height)
        page.goto(asgi_server + "/select/?min_reliability=99")
        assert "成都稳定算力池" in page.inner_text("main") and "成都新晋算力池" not in page.inner_text("main")
        pages.append((context, page, width))
    page.wait_for_timeout(1500)  # both sockets subscribed
    with transaction.atomic():
        ResourceReliability.objects.filter(resource=rising).update(score_percent=Decimal("99.90"))
        changes_append(record_type=RESOURCE, record_ids=[rising.pk], kind="reliability", fields=("reliability",))
    for context, page, width in pages:
        notice = page.locator("[data-sel-watch]")
        notice.wait_for(state="visible")
        assert "新达到最低可靠性" in notice.inner_text()
        keep_screenshot(page, SHOTS / f"selection-reliability-refresh-{width}.png")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        with page.expect_navigation():
            notice.get_by_role("link").click()
        assert "成都新晋算力池" in page.inner_text("main")
        assert page.console_errors == []
        context.close()
    reset_backends()
