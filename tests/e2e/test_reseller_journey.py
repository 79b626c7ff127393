"""The reseller half of issue 16's acceptance, in a browser at 1366 px and 390 px: a qualified reseller
places a demand on behalf of a customer organisation; after its 转售调度资格 expires the same is refused with
the Chinese reason at the field. Also its resale offer pages. Each page: no horizontal overflow, no serious or
critical axe finding, no console error; screenshots in tests/e2e/artifacts/reseller/.

Sign-up and certification in the browser are the front-door test's (test_front_door_journey.py); here the
reseller's organisation, account and qualification are set up in the database."""

import datetime

import pytest
from django.utils import timezone

from tests.e2e.conftest import ARTIFACTS
from tests.workflows.demand.conftest import market  # noqa: F401  (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SHOTS = ARTIFACTS / "reseller"
WIDTHS = ((1366, 900), (390, 844))


def _context(browser, width, height, *, base, client, user):
    """A browser signed in as ``user`` (its session cookie), collecting console errors."""
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": width, "height": height}
    )
    client.force_login(user)
    host = base.split("//", 1)[1].split(":")[0]
    cookie = {"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"}
    context.add_cookies([cookie])
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.console_errors = []
    page.on("console", lambda message: page.console_errors.append(message.text) if message.type == "error" else None)
    return context, page


def _check(page, name, width, axe_violations, *, refused=False):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} overflows at {width} px"
    assert axe_violations(page) == [], name
    errors = page.console_errors
    if refused:  # the refused form answers 400 on purpose; Chromium logs the document's status as an error
        errors = [e for e in errors if "status of 400 (Bad Request)" not in e]
    assert errors == [], name
    page.console_errors.clear()  # each check covers what happened since the previous one


def _place(page, base, customer_uscc):
    page.goto(f"{base}/demands/new/")
    page.locator("#id_resource_class").select_option("intelligent")
    page.locator("#id_accelerator_model").select_option("NVIDIA A100 80GB (SXM4)")
    page.locator("#id_card_count").fill("8")
    page.locator("#id_duration_hours").fill("24")
    page.locator("#id_city").select_option("510100")
    page.locator("#id_customer_uscc").fill(customer_uscc)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_load_state("load")


def test_a_reseller_acts_for_a_customer_while_qualified_and_is_refused_after_expiry(
    browser,
    asgi_server,  # the demand page's live updates need websockets
    client,
    market,  # noqa: F811
    axe_violations,
):
    from catalog.services import identifier_issue
    from tests.workflows.demand.resellers import qualified_reseller
    from workflows.demand.models import Demand, ResaleOffer
    from workflows.onboarding.models import ResellerQualification

    reseller, provider, qualification, customer = qualified_reseller(
        number="ZS-2026-0101",
        customer_name="锦城客户科技有限公司",
        name="蜀道转售调度有限公司",
        is_resource_provider=False,
    )
    today = timezone.localdate()
    code = identifier_issue(record=market.resources["chengdu"], actor=None).code
    base = asgi_server

    for width, height in WIDTHS:
        ResellerQualification.objects.filter(pk=qualification.pk).update(
            valid_until=today + datetime.timedelta(days=30)
        )
        context, page = _context(browser, width, height, base=base, client=client, user=reseller)
        try:
            # qualified: the demand is placed for the customer, who is named on its page
            _place(page, base, customer.uscc)
            assert page.get_by_text("锦城客户科技有限公司").first.is_visible()
            _check(page, "demand-for-customer", width, axe_violations)

            # a resale offer on a certified provider's resource, shown in the public list
            page.goto(f"{base}/resale/new/")
            _check(page, "offer-form", width, axe_violations)
            page.locator("#id_title").fill(f"A100 转售 {width}")
            page.locator("#id_identifiers").fill(code)
            page.locator("#id_price_yuan").fill("14.5")
            page.locator("#id_terms").fill("按月结算，最短一个月。")
            page.locator("#id_valid_until").fill((today + datetime.timedelta(days=20)).isoformat())
            page.locator("form.form button[type=submit]").click()
            page.wait_for_url(f"{base}/resale/mine/")
            _check(page, "offers-mine", width, axe_violations)
            page.goto(f"{base}/resale/")
            assert page.get_by_text(f"A100 转售 {width}").is_visible()
            _check(page, "offers-public", width, axe_violations)

            # the qualification expires: the same demand is refused with the reason at the field
            ResellerQualification.objects.filter(pk=qualification.pk).update(
                valid_until=today - datetime.timedelta(days=1)
            )
            placed = Demand.objects.filter(customer=customer).count()
            _place(page, base, customer.uscc)
            error = page.locator("#id_customer_uscc_error")
            assert "转售调度资格（ZS-2026-0101）已于" in error.inner_text() and "到期" in error.inner_text()
            assert Demand.objects.filter(customer=customer).count() == placed
            _check(page, "demand-refused", width, axe_violations, refused=True)

            # and its offers left the public list at once; its own page says why
            page.goto(f"{base}/resale/")
            assert page.get_by_text(f"A100 转售 {width}").count() == 0
            page.goto(f"{base}/resale/mine/")
            assert page.get_by_role("alert").first.inner_text().count("到期") == 1
            _check(page, "offers-lapsed", width, axe_violations)
        finally:
            context.close()
    assert ResaleOffer.objects.count() == 2
