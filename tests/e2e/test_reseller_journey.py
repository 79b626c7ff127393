"""The reseller half of issue 16's acceptance, in a browser: a company signs up, verifies its email and registers
its organisation by USCC asking for the reseller role; the operator certifies it; the reseller applies for its
转售调度资格 and the operator grants it (the qualification process at /onboarding/); the reseller places a demand
on behalf of a customer organisation and publishes a resale offer. After the qualification expires (its end date
moved into the past in the database: time passes), and again after the operator revokes it in the browser, the
same demand is refused with the Chinese reason at the field and nothing is placed.

Every page of the way is checked at 1366 px and 390 px: no horizontal overflow, no serious or critical axe
finding, no console error; screenshots in tests/e2e/artifacts/reseller/."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, WIDTHS, keep_screenshot
from tests.e2e.front_door import PASSWORD, certify_organisation, register_organisation, sign_in, sign_up_and_verify
from tests.workflows.demand.conftest import market  # noqa: F401  (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SHOTS = ARTIFACTS / "reseller"
RESELLER = "蜀道转售调度有限公司"
CUSTOMER = "锦城客户科技有限公司"


@pytest.fixture
def checked(axe_violations):
    """``check(page, name)``: the page as it is now, at each width (screenshot, overflow, axe, console errors
    since the previous check; ``refused=True`` lets the 400 of a refused form through)."""
    SHOTS.mkdir(parents=True, exist_ok=True)

    def check(page, name, *, refused=False):
        for width, height in WIDTHS:
            page.set_viewport_size({"width": width, "height": height})
            keep_screenshot(page, SHOTS / f"{name}-{width}.png")
            assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} overflows at {width} px"
            assert axe_violations(page) == [], f"{name} at {width} px"
        page.set_viewport_size({"width": WIDTHS[0][0], "height": WIDTHS[0][1]})
        errors = page.console_errors
        if refused:  # the refused form answers 400 on purpose; Chromium logs the document's status as an error
            errors = [e for e in errors if "status of 400 (Bad Request)" not in e]
        assert errors == [], name
        page.console_errors.clear()

    return check


def _place(page, base, customer_uscc):
    page.goto(f"{base}/demands/new/")
    page.locator("#id_resource_class").select_option("intelligent")
    page.locator("#id_accelerator_model").select_option("NVIDIA A100 80GB (SXM4)")
    page.locator("#id_card_count").fill("8")
    page.locator("#id_duration_hours").fill("24")
    page.locator("#id_city").select_option("510100")
    page.locator("#id_customer_uscc").fill(customer_uscc)
    with page.expect_navigation():
        page.locator("form.form button[type=submit]").click()


def _refused(page, base, customer, expected: str, checked, name):
    from workflows.demand.models import Demand

    placed = Demand.objects.filter(customer=customer).count()
    _place(page, base, customer.uscc)
    error = page.locator("#id_customer_uscc_error").inner_text()
    assert expected in error, error
    assert Demand.objects.filter(customer=customer).count() == placed  # nothing placed
    checked(page, name, refused=True)


def test_a_reseller_signs_up_is_qualified_acts_for_a_customer_and_is_refused_after_expiry_and_revocation(
    browser,
    asgi_server,  # the demand page's live updates need websockets
    market,  # noqa: F811
    make_user,
    checked,
):
    from catalog.services import identifier_issue
    from organizations.uscc import make_uscc
    from tests.factories import OrganizationFactory
    from workflows.demand.models import ResaleOffer
    from workflows.onboarding.models import ResellerQualification

    base = asgi_server
    make_user("node_operator", username="operator_e2e", full_name="运营人员")
    customer = OrganizationFactory(city_id="510100", name=CUSTOMER)
    code = identifier_issue(record=market.resources["chengdu"], actor=None).code
    today = timezone.localdate()

    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.console_errors = []
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    try:
        # 1. the reseller signs up, verifies its email and registers its organisation asking for the reseller role
        sign_up_and_verify(
            page, base, username="reseller_new", full_name="赵六", email="zhao@shudao.example.cn", phone="028-87654321"
        )
        checked(page, "organisation-page")
        register_organisation(
            page,
            name=RESELLER,
            uscc=make_uscc(division="510100", body="MA6RT002"),
            legal_representative="赵六",
            address="成都市锦江区红星路 8 号",
            role="算力转售调度服务商",
        )
        checked(page, "registration-waiting")
        # nothing but its registration before certification: no qualification to apply for, no demand to place
        assert page.goto(f"{base}/onboarding/").status == 404
        assert page.console_errors == ["Failed to load resource: the server responded with a status of 404 (Not Found)"]
        page.console_errors.clear()
        page.goto(f"{base}/demands/new/")
        page.wait_for_url(re.compile(r"/me/organization/$"))

        # 2. the operator certifies the organisation
        certify_organisation(
            page, base, operator="operator_e2e", name=RESELLER, applicant_email="zhao@shudao.example.cn", check=checked
        )

        # 3. the reseller applies for its 转售调度资格 ...
        sign_in(page, base, "reseller_new", PASSWORD, "/onboarding/")
        page.get_by_role("link", name="申请转售调度资格").click()
        page.get_by_label("转售调度业务说明").fill("面向成都企业的算力转售与跨区域调度。")
        page.get_by_label(re.compile("申请有效期")).select_option("1")
        checked(page, "qualification-application")
        page.get_by_role("button", name="确认提交").click()
        page.wait_for_url(re.compile(r"/onboarding/reseller/\d+/$"))
        expect(page.get_by_text("转售调度资格申请已提交")).to_be_visible()

        # ... and the operator grants it for a period
        sign_in(page, base, "operator_e2e", "Correct-horse-42", "/onboarding/")
        page.get_by_role("row", name=re.compile(RESELLER)).get_by_role("link", name="资格认证").click()
        page.get_by_label("通过", exact=True).check()
        page.get_by_label("资格有效期自").fill(today.isoformat())
        page.get_by_label("资格有效期至").fill((today + datetime.timedelta(days=364)).isoformat())
        page.get_by_label("审核意见").fill("业务说明清楚，同意授予一年。")
        checked(page, "qualification-decision")
        page.get_by_role("button", name="确认提交").click()
        page.wait_for_url(re.compile(r"/onboarding/reseller/\d+/$"))
        process_url = page.url
        qualification = ResellerQualification.objects.get(provider__organization__name=RESELLER)
        expect(page.get_by_text(qualification.number).first).to_be_visible()
        checked(page, "qualification-granted")

        # 4. qualified: a demand placed for the customer, who is named on its page
        sign_in(page, base, "reseller_new", PASSWORD, "/demands/new/")
        _place(page, base, customer.uscc)
        expect(page.get_by_text(CUSTOMER).first).to_be_visible()
        checked(page, "demand-for-customer")

        # a resale offer on a certified provider's resource, shown in the public list
        page.goto(f"{base}/resale/new/")
        checked(page, "offer-form")
        page.locator("#id_title").fill("A100 转售")
        page.locator("#id_identifiers").fill(code)
        page.locator("#id_price_yuan").fill("14.5")
        page.locator("#id_terms").fill("按月结算，最短一个月。")
        page.locator("#id_valid_until").fill((today + datetime.timedelta(days=20)).isoformat())
        page.locator("form.form button[type=submit]").click()
        page.wait_for_url(f"{base}/resale/mine/")
        checked(page, "offers-mine")
        page.goto(f"{base}/resale/")
        expect(page.get_by_text("A100 转售")).to_be_visible()
        checked(page, "offers-public")

        # 5. time passes: the qualification expires. The same demand is refused with the reason at the field,
        # the offer leaves the public list, and the reseller's own page says why (the GET sends nothing)
        ResellerQualification.objects.filter(pk=qualification.pk).update(
            valid_from=today - datetime.timedelta(days=365), valid_until=today - datetime.timedelta(days=1)
        )
        _refused(page, base, customer, f"转售调度资格（{qualification.number}）已于", checked, "demand-refused-expired")
        assert "到期" in page.locator("#id_customer_uscc_error").inner_text()
        page.goto(f"{base}/resale/")
        assert page.get_by_text("A100 转售").count() == 0
        page.goto(f"{base}/resale/mine/")
        assert page.get_by_role("alert").first.inner_text().count("到期") == 1
        checked(page, "offers-lapsed")

        # 6. renewed (the period put back), then the operator revokes it in the browser with an opinion
        ResellerQualification.objects.filter(pk=qualification.pk).update(
            valid_until=today + datetime.timedelta(days=364)
        )
        sign_in(page, base, "operator_e2e", "Correct-horse-42", "/onboarding/")
        page.goto(process_url)
        page.get_by_role("link", name="撤销资格").click()
        page.get_by_label("撤销意见").fill("经核查存在违规转售行为，撤销资格。")
        checked(page, "revoke-confirm")
        page.get_by_role("button", name="确认撤销").click()
        page.wait_for_url(process_url)
        expect(page.get_by_text("经核查存在违规转售行为，撤销资格。").first).to_be_visible()
        checked(page, "qualification-revoked")
        assert ResellerQualification.objects.get(pk=qualification.pk).revoked_at is not None

        # the same demand is refused again, now naming the revocation
        sign_in(page, base, "reseller_new", PASSWORD, "/demands/new/")
        _refused(page, base, customer, f"转售调度资格（{qualification.number}）已于", checked, "demand-refused-revoked")
        assert "被撤销" in page.locator("#id_customer_uscc_error").inner_text()
    finally:
        context.close()
    assert ResaleOffer.objects.count() == 1
