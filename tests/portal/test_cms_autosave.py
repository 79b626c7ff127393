"""Editors' notices: short slugs set before the first autosave, and a submit after autosave created the page."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import WorkflowState

from organizations.roles import Role
from portal.models import NoticePage
from tests.portal.factories import sections
from tests.portal.test_pages_editorial import notice_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(make_user):
    return make_user(Role.EDITOR, username="editor", full_name="编辑小王")


def add_url(index) -> str:
    return reverse("wagtailadmin_pages:add", args=("portal", "noticepage", index.pk))


def today_slug(number: int) -> str:
    return f"{timezone.localdate():%Y%m%d}-{number:02d}"


def test_new_notice_form_offers_a_short_date_and_number_slug(client, editor):
    notice_index, _policies = sections()
    client.force_login(editor)
    html = client.get(add_url(notice_index)).content.decode()
    field = re.search(r'<input[^>]*name="slug"[^>]*>', html).group(0)
    assert f'value="{today_slug(1)}"' in field


def test_submit_after_autosave_created_the_page_submits_that_page(client, editor):
    notice_index, _policies = sections()
    client.force_login(editor)
    slug = today_slug(1)
    # the autosave (a JSON post to the create view) creates the page in the background
    autosave = client.post(add_url(notice_index), notice_form(slug=slug), HTTP_ACCEPT="application/json")
    assert autosave.status_code == 200 and autosave.json()["success"] is True
    assert NoticePage.objects.count() == 1

    # the editor's browser still posts the create form: 提交审核 submits the same page, no slug clash
    revised = notice_form(slug=slug, title="关于开展算力资源普查的通知（修订）", **{"action-submit": "1"})
    response = client.post(add_url(notice_index), revised)
    assert response.status_code == 302
    notice = NoticePage.objects.get()
    assert notice.slug == slug
    assert notice.get_latest_revision_as_object().title == "关于开展算力资源普查的通知（修订）"
    assert WorkflowState.objects.for_instance(notice).get().status == WorkflowState.STATUS_IN_PROGRESS


def test_another_editors_draft_is_not_taken_over_and_the_number_moves_on(client, editor, make_user):
    notice_index, _policies = sections()
    other = make_user(Role.EDITOR, username="editor2", full_name="编辑小张")
    client.force_login(other)
    client.post(add_url(notice_index), notice_form(slug=today_slug(1)), HTTP_ACCEPT="application/json")
    theirs = NoticePage.objects.get()

    client.force_login(editor)  # opened the form before the other editor's autosave: same number offered
    response = client.post(add_url(notice_index), notice_form(slug=today_slug(1), title="另一份通知"))
    assert response.status_code == 302
    mine = NoticePage.objects.exclude(pk=theirs.pk).get()
    assert (mine.slug, mine.title, mine.owner) == (today_slug(2), "另一份通知", editor)
    theirs.refresh_from_db()
    assert theirs.title == "关于开展算力资源普查的通知" and theirs.owner == other


def test_a_submitted_draft_is_not_reopened_by_the_create_form(client, editor):
    notice_index, _policies = sections()
    client.force_login(editor)
    client.post(add_url(notice_index), notice_form(slug="compute-survey", **{"action-submit": "1"}))
    response = client.post(add_url(notice_index), notice_form(slug="compute-survey", title="重复"))
    assert response.status_code == 200  # the form again, with the slug error on its field
    assert NoticePage.objects.get().title == "关于开展算力资源普查的通知"
