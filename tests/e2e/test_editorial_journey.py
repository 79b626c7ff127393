"""An editor drafts a notice in the CMS and submits it; an approver approves it; it is then on the
home page and in the RSS feed (Wagtail's moderation workflow, set up by portal_setup)."""

import pytest

from organizations.roles import Role
from tests.e2e import front_door

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "Correct-horse-42"  # tests.factories.UserFactory
TITLE = "关于开展算力资源普查的通知"


def sign_in(page, base: str, username: str, next_url: str) -> None:
    front_door.sign_in(page, base, username, PASSWORD, next_url)


def test_editor_drafts_approver_publishes_visitors_see_it(live_server, page, make_user):
    from portal.models import NoticePage
    from tests.catalog.factories import ensure_reference_data
    from tests.portal.factories import sections

    ensure_reference_data()
    notice_index, _policies = sections()
    make_user(Role.EDITOR, username="editor_e2e")
    make_user(Role.APPROVER, username="approver_e2e")
    base = live_server.url

    # the editor drafts the notice and submits it to the moderation workflow
    add_url = f"/cms/pages/add/portal/noticepage/{notice_index.pk}/"
    sign_in(page, base, "editor_e2e", add_url)
    page.locator("#id_title").fill(TITLE)
    page.locator("#id_document_number").fill("川通信〔2026〕7号")
    page.locator("#id_issued_on").fill("2026-04-02")
    page.locator("#id_summary").fill("请各单位于五月底前填报算力资源。")
    page.locator("#id_slug").evaluate("field => { field.value = 'compute-survey-e2e'; }")  # on the Promote tab
    with page.expect_navigation():
        page.locator('button[name="action-submit"]').evaluate("button => button.click()")
    notice = NoticePage.objects.get(title=TITLE)
    assert not notice.live
    page.goto(base + "/")
    assert page.get_by_text(TITLE).count() == 0  # not public while in moderation

    # the approver approves it: it goes live
    sign_in(page, base, "approver_e2e", f"/cms/pages/{notice.pk}/edit/")
    approve = page.locator('button[data-workflow-action-name="approve"]').first
    with page.expect_navigation():
        approve.evaluate("button => button.click()")
    notice.refresh_from_db()
    assert notice.live

    # visitors see it on the home page and in the feed
    page.context.clear_cookies()
    page.goto(base + "/")
    page.get_by_role("link", name=TITLE).first.click()
    assert page.get_by_role("heading", level=1).inner_text() == TITLE
    feed = page.request.get(base + notice_index.url + "feed/rss/")
    assert feed.ok and TITLE in feed.text()
