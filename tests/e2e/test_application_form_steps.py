"""The stepped application form in a browser at 1366 px and 390 px: every step without sideways scrolling, console
errors or serious axe findings (screenshots saved as artifacts); the industry picker filters as one types; an
upload, its replacement and its deletion each come back to that material on the materials step."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import ARTIFACTS, PAGE_WIDTHS, keep_screenshot
from .test_application_journey import PDF, pick_industry, route  # noqa: F401  (fixture)
from .test_workbench_journey import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
STEPS = ["basic", "units", "contacts", "narratives", "materials", "submit"]


def look(page, axe_violations, name: str, width: int) -> None:
    page.wait_for_load_state()
    ARTIFACTS.mkdir(exist_ok=True)
    keep_screenshot(page, ARTIFACTS / f"form-{name}-{width}.png")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name} at {width} px scrolls sideways by {overflow} px"
    assert axe_violations(page) == [], (name, _details(page))
    assert page.console_errors == [], name


def _details(page) -> list:
    """Which elements fail, for the assertion message."""
    from axe_playwright_python.sync_playwright import Axe

    response = Axe().run(page).response
    return [
        (v["id"], [(n["target"], n["failureSummary"][:200]) for n in v["nodes"]])
        for v in response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def assert_at(page, anchor: str) -> None:
    """The page is scrolled to the element with this id (the browser follows the fragment once it has laid out)."""
    top = None
    for _ in range(50):
        top = page.evaluate(f"document.getElementById('{anchor}').getBoundingClientRect().top")
        if abs(top) < 40 and page.evaluate("window.scrollY") > 0:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"#{anchor} is {top} px from the top of the viewport")


@pytest.mark.parametrize("width", PAGE_WIDTHS)
def test_every_step_of_the_form_and_inline_uploads(live_server, page, route, axe_violations, width):  # noqa: F811
    from workflows.node_application import services
    from workflows.node_application.models import Material

    page.set_viewport_size({"width": width, "height": 900})
    base = live_server.url
    application = services.application_create(
        campaign=route["campaign"], node_type="industry", actor=route["applicant"]
    )
    ref = application.reference
    sign_in(page, base, "applicant_e2e", f"/applications/{ref}/edit/")
    look(page, axe_violations, "basic", width)
    expect(page.get_by_text("尚未填写完整的项目").first).to_be_visible()

    # the industry picker: type part of a name, pick from the filtered list; saved with the step
    pick_industry(page, "计算机制造", "391 计算机制造")
    look(page, axe_violations, "basic-picked", width)
    page.get_by_label("推荐单位", exact=True).fill("成都市经济和信息化局")
    expect(page.get_by_label("推荐单位", exact=True)).to_have_value("成都市经济和信息化局")
    page.get_by_role("button", name="保存并下一步").click()
    page.wait_for_url(re.compile(rf"/applications/{ref}/edit/units/$"))
    application.refresh_from_db()
    assert application.industry_id == "391" and application.recommending_unit == "成都市经济和信息化局"
    nav = page.get_by_role("navigation", name="申报表填写步骤")
    assert "已完成" in nav.get_by_role("link", name=re.compile("基本信息")).text_content()

    for name in STEPS[1:]:
        page.goto(f"{base}/applications/{ref}/edit/{name}/")
        look(page, axe_violations, name, width)
        assert (page.get_by_role("button", name="确认提交").count() > 0) == (name == "submit")

    # upload, replace, delete: each time back at that material, not at the top of the page
    page.goto(f"{base}/applications/{ref}/edit/materials/")
    slot = page.locator("#m-construction_plan-pdf")
    slot.locator("input[type=file]").set_input_files({"name": "方案.pdf", "mimeType": "application/pdf", "buffer": PDF})
    slot.get_by_role("button", name=re.compile("^上传 ")).click()
    page.wait_for_url(re.compile(r"/edit/materials/#m-construction_plan-pdf$"))
    page.wait_for_load_state()
    # back at that material (scrolled to it), not at the top of the page
    assert_at(page, "m-construction_plan-pdf")
    assert "方案.pdf" in slot.inner_text() and re.search(r"\d\.\d KB", slot.inner_text())
    look(page, axe_violations, "materials-uploaded", width)
    replacement = {"name": "方案2.pdf", "mimeType": "application/pdf", "buffer": PDF}
    slot.locator("input[type=file]").set_input_files(replacement)
    slot.get_by_role("button", name=re.compile("^替换 ")).click()
    page.wait_for_url(re.compile(r"#m-construction_plan-pdf$"))
    assert Material.objects.get(application=application, kind="construction_plan").original_name == "方案2.pdf"
    slot.get_by_text("删除…").click()  # the confirmation opens in place (a <details>, no JavaScript needed)
    look(page, axe_violations, "materials-delete-confirm", width)
    slot.get_by_role("button", name="确认删除").click()
    page.wait_for_url(re.compile(r"/edit/materials/#materials$"))
    assert not Material.objects.filter(application=application, kind="construction_plan").exists()
