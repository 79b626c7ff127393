"""The public 公示 pages at 1366 px and 390 px: the list and a node's page with the objection form (no horizontal
overflow on the phone, no console errors, no serious or critical axe findings). A visitor first submits the form
incomplete (errors under the fields), then completes it; the ministry sees the objection on its publicity task.
Screenshots are kept in tests/e2e/artifacts/publicity/."""

import pytest

from tests.e2e.conftest import ARTIFACTS, WIDTHS, keep_screenshot
from tests.workflows.node_application.conftest import campaigns, hebei, people  # noqa: F401  (fixtures)
from tests.workflows.node_application.factories import open_task
from tests.workflows.node_application.test_publicity import _publicized
from workflows.node_application.models import Objection, TaskKind

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SHOTS = ARTIFACTS / "publicity"


def _context(browser, width, height, *, live_server=None, client=None, user=None):
    context = browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": width, "height": height}
    )
    if user is not None:
        client.force_login(user)
        host = live_server.url.split("//", 1)[1].split(":")[0]
        context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "domain": host, "path": "/"}]
        )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.console_errors = []
    page.on("console", lambda message: page.console_errors.append(message.text) if message.type == "error" else None)
    return context, page


def _visit(page, url, name, width, axe_violations):
    page.console_errors.clear()
    page.goto(url)
    page.wait_for_load_state("load")
    _shot(page, name, width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} overflows at {width} px"
    assert axe_violations(page) == [], name
    assert page.console_errors == [], name


def _shot(page, name, width):
    SHOTS.mkdir(parents=True, exist_ok=True)
    keep_screenshot(page, SHOTS / f"{name}-{width}.png")


def test_publicity_pages_and_an_objection_at_both_widths(
    browser,
    live_server,
    client,
    hebei,  # noqa: F811
    people,  # noqa: F811
    axe_violations,
):
    application = _publicized(hebei, people)
    for width, height in WIDTHS:
        context, page = _context(browser, width, height)
        _visit(page, live_server.url + "/publicity/", "list", width, axe_violations)
        assert application.title in page.locator("table").inner_text()
        with page.expect_navigation():
            page.get_by_role("link", name=application.title).click()
        _visit(page, page.url, "detail", width, axe_violations)

        # Incomplete: the errors are under the fields, nothing is stored.
        before = Objection.objects.count()
        page.get_by_label("异议事项及理由").fill("材料不实。")
        with page.expect_navigation():
            page.get_by_role("button", name="提交异议").click()
        _shot(page, "detail-errors", width)
        feedback = page.locator("form .invalid-feedback").all_inner_texts()
        assert "必需字段" in feedback and "请至少填写联系电话或电子邮箱中的一项。" in feedback
        assert Objection.objects.count() == before

        page.get_by_label("姓名").fill(f"访客{width}")
        page.get_by_label("联系电话").fill("0311-87654321")
        page.get_by_label("异议事项及理由").fill("申报材料所述的智算中心尚未建成，与事实不符。")
        with page.expect_navigation():
            page.get_by_role("button", name="提交异议").click()
        assert "异议已提交" in page.content()
        context.close()
    assert Objection.objects.filter(channel="public").count() == len(WIDTHS)  # one per width

    task = open_task(application, TaskKind.PUBLICITY)
    for width, height in WIDTHS:
        context, page = _context(
            browser, width, height, live_server=live_server, client=client, user=people["ministry"]
        )
        page.goto(f"{live_server.url}/review/tasks/{task.pk}/")
        page.wait_for_load_state("load")
        _shot(page, "ministry-task", width)
        assert "访客1366" in page.locator("#objections").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.goto(f"{live_server.url}/review/")
        assert f"待处理的公示异议：{len(WIDTHS)} 件" in page.content()
        context.close()
