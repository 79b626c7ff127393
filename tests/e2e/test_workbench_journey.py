"""The applicant submits through the confirmation step (truthfulness declaration) and the city's reviewer decides
through the workbench and its confirmation step, at 1366 px and at 390 px: no sideways scrolling, no console
errors, no serious or critical axe findings. Screenshots of every page are saved as test artifacts."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e import front_door

from .conftest import ARTIFACTS, PAGE_WIDTHS, keep_screenshot
from .test_application_journey import PASSWORD, route  # noqa: F401  (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def look(page, axe_violations, name: str, width: int) -> None:
    """Checks every page of the walk passes, and its screenshot."""
    page.wait_for_load_state()
    ARTIFACTS.mkdir(exist_ok=True)
    keep_screenshot(page, ARTIFACTS / f"workbench-{name}-{width}.png")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name} at {width} px scrolls sideways by {overflow} px"
    assert axe_violations(page) == [], name
    assert page.console_errors == [], name


def sign_in(page, base: str, username: str, next_url: str) -> None:
    front_door.sign_in(page, base, username, PASSWORD, next_url)


@pytest.mark.parametrize("width", PAGE_WIDTHS)
def test_submit_and_decide_through_confirmations(live_server, page, route, axe_violations, width):  # noqa: F811
    from tests.workflows.node_application.factories import fill
    from workflows.node_application import services
    from workflows.node_application.models import NodeApplication

    page.set_viewport_size({"width": width, "height": 900})
    base = live_server.url
    application = services.application_create(
        campaign=route["campaign"], node_type="industry", actor=route["applicant"]
    )
    fill(application, route["applicant"], now=timezone.now())
    ref = application.reference

    # applicant: the edit page leads to a confirmation step; without the declaration nothing is submitted
    sign_in(page, base, "applicant_e2e", f"/applications/{ref}/edit/")
    look(page, axe_violations, "edit", width)  # the form's first step
    page.get_by_role("link", name=re.compile("声明与提交")).click()  # the last step: the declaration and submit
    look(page, axe_violations, "submit-step", width)
    page.get_by_role("button", name="确认提交").click()
    look(page, axe_violations, "submit-confirm", width)
    expect(page.get_by_text("请阅读并勾选信用承诺后再提交").first).to_be_visible()
    assert NodeApplication.objects.get(pk=application.pk).stage == "draft"
    page.get_by_label(re.compile("本单位承诺")).check()
    page.get_by_role("button", name="确认提交").click()
    page.wait_for_url(re.compile(rf"/applications/{ref}/$"))
    assert NodeApplication.objects.get(pk=application.pk).stage == "municipal_review"
    expect(page.get_by_text("市级初审推荐中").first).to_be_visible()
    look(page, axe_violations, "status", width)

    # the city's reviewer: inbox, task page, confirmation, done tab
    sign_in(page, base, "chengdu_e2e", "/review/")
    look(page, axe_violations, "inbox", width)
    page.get_by_role("link", name="市级初审推荐").first.click()
    look(page, axe_violations, "task", width)
    page.get_by_label("退回修改", exact=True).check()
    page.get_by_label("意见", exact=True).fill("请补充近三年资金证明。")
    page.get_by_role("button", name="下一步：确认办理").click()
    look(page, axe_violations, "task-confirm", width)
    assert NodeApplication.objects.get(pk=application.pk).stage == "municipal_review"
    page.get_by_role("button", name="确认办理").click()
    page.wait_for_url(re.compile(r"/review/$"))
    assert NodeApplication.objects.get(pk=application.pk).stage == "returned"
    page.get_by_role("link", name=re.compile("已办")).first.click()
    look(page, axe_violations, "inbox-done", width)

    # the applicant reads the return reason at the top of the status page
    sign_in(page, base, "applicant_e2e", f"/applications/{ref}/")
    expect(page.get_by_text("请补充近三年资金证明。").first).to_be_visible()
    look(page, axe_violations, "status-returned", width)
    page.get_by_role("link", name="撤回申报…").click()
    look(page, axe_violations, "withdraw-confirm", width)  # the walk ends here: it withdraws nothing
    assert NodeApplication.objects.get(pk=application.pk).stage == "returned"
