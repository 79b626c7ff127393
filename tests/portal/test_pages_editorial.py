"""Editors draft, approvers publish (Wagtail moderation), scheduling and expiry, what editors cannot reach."""

import datetime
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from wagtail.models import GroupPagePermission, Workflow, WorkflowPage, WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from organizations.roles import Role
from portal.models import HomePage, NoticePage
from portal.services import WORKFLOW_NAME, portal_setup
from tests.portal.factories import sections

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(make_user):
    return make_user(Role.EDITOR, username="editor", full_name="编辑小王")


@pytest.fixture
def approver(make_user):
    return make_user(Role.APPROVER, username="approver", full_name="审核老李")


def notice_form(**overrides) -> dict:
    data = {
        "title": "关于开展算力资源普查的通知",
        "slug": "compute-survey",
        "document_number": "川通信〔2026〕7号",
        "issued_on": "2026-04-02",
        "issuer_display": "",
        "disclosure": "public",
        "summary": "请各单位填报算力资源。",
        "body": streamfield([("paragraph", rich_text("<p>请于五月底前完成填报。</p>"))]),
        "attachments": inline_formset([]),
        "comments": inline_formset([]),
    }
    data.update(overrides)
    return nested_form_data(data)


def test_setup_grants_section_permissions_and_one_workflow_idempotently():
    notice_index, policy_index = sections()
    editor_perms = set(
        GroupPagePermission.objects.filter(group__name="editor").values_list("page_id", "permission__codename")
    )
    assert editor_perms == {
        (page.pk, codename) for page in (notice_index, policy_index) for codename in ("add_page", "change_page")
    }
    assert GroupPagePermission.objects.filter(group__name="approver", permission__codename="publish_page").count() == 2
    workflow = Workflow.objects.get(name=WORKFLOW_NAME)
    assert set(WorkflowPage.objects.filter(workflow=workflow).values_list("page_id", flat=True)) == {
        notice_index.pk,
        policy_index.pk,
    }
    task = workflow.tasks.get().specific  # the approvers' group approval
    assert list(task.groups.values_list("name", flat=True)) == ["approver"]
    counts = (GroupPagePermission.objects.count(), Workflow.objects.count(), WorkflowPage.objects.count())
    portal_setup()
    call_command("portal_setup", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert (GroupPagePermission.objects.count(), Workflow.objects.count(), WorkflowPage.objects.count()) == counts


def test_editor_submits_and_approver_publishes_to_home_page_and_feed(client, editor, approver):
    notice_index, _policies = sections()
    client.force_login(editor)
    add_url = reverse("wagtailadmin_pages:add", args=("portal", "noticepage", notice_index.pk))
    assert client.get(add_url).status_code == 200

    assert client.post(add_url, notice_form()).status_code == 302  # saved as a draft
    notice = NoticePage.objects.get(slug="compute-survey")
    assert not notice.live
    # an editor has no publish right: asking to publish does not publish
    client.post(reverse("wagtailadmin_pages:edit", args=(notice.pk,)), notice_form(**{"action-publish": "publish"}))
    notice.refresh_from_db()
    assert not notice.live

    response = client.post(
        reverse("wagtailadmin_pages:edit", args=(notice.pk,)), notice_form(**{"action-submit": "Submit"})
    )
    assert response.status_code == 302
    notice.refresh_from_db()
    state = WorkflowState.objects.for_instance(notice).get()
    assert state.status == WorkflowState.STATUS_IN_PROGRESS and state.requested_by == editor
    assert not notice.live
    client.logout()
    assert client.get(notice_index.url + "compute-survey/").status_code == 404

    # the editor cannot approve their own submission
    task_state = notice.current_workflow_task_state
    assert task_state.task.specific.get_actions(notice, editor) == []

    client.force_login(approver)
    action_url = reverse("wagtailadmin_pages:workflow_action", args=(notice.pk, "approve", task_state.pk))
    client.post(action_url, {"comment": "同意发布"}, follow=True)
    notice.refresh_from_db()
    assert notice.live
    client.logout()
    assert client.get(notice_index.url + "compute-survey/").status_code == 200
    assert "关于开展算力资源普查的通知" in client.get("/").content.decode()
    assert "关于开展算力资源普查的通知" in client.get(notice_index.url + "feed/rss/").content.decode()


def test_editor_cannot_reach_django_admin_other_pages_or_settings(client, editor):
    sections()
    client.force_login(editor)
    home = HomePage.objects.get()
    assert client.get("/django-admin/").status_code == 302  # not staff: sent to the admin login
    assert client.get("/django-admin/organizations/organization/").status_code == 302
    assert client.get("/cms/").status_code == 200
    assert client.get(reverse("wagtailadmin_pages:edit", args=(home.pk,))).status_code in (302, 403)
    assert client.get(reverse("wagtailadmin_pages:add_subpage", args=(home.pk,))).status_code in (302, 403)
    for name in ("wagtailusers_users:index", "wagtailusers_groups:index", "wagtailadmin_workflows:index"):
        assert client.get(reverse(name)).status_code in (302, 403), name
    home.refresh_from_db()
    assert home.title == "首页"


def test_future_notice_is_hidden_until_its_time_and_gone_after_expiry(client):
    notice_index, _policies = sections()
    go_live = timezone.now() + datetime.timedelta(days=2)
    notice = NoticePage(
        title="定时发布的通知", slug="scheduled", issued_on=datetime.date(2026, 4, 1), go_live_at=go_live
    )
    notice_index.add_child(instance=notice)
    notice.save_revision().publish()  # with a future go_live_at this schedules, it does not publish
    notice.refresh_from_db()
    assert not notice.live
    assert client.get(notice_index.url + "scheduled/").status_code == 404
    assert "定时发布的通知" not in client.get(notice_index.url).content.decode()
    assert "定时发布的通知" not in client.get(notice_index.url + "feed/rss/").content.decode()

    call_command("publish_scheduled", stdout=open("/dev/null", "w"))  # noqa: SIM115  cron run before the time
    assert client.get(notice_index.url + "scheduled/").status_code == 404

    later = go_live + datetime.timedelta(minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        call_command("publish_scheduled", stdout=open("/dev/null", "w"))  # noqa: SIM115  cron run after the time
    assert client.get(notice_index.url + "scheduled/").status_code == 200
    assert "定时发布的通知" in client.get(notice_index.url).content.decode()

    # expiry
    notice.refresh_from_db()
    notice.expire_at = later + datetime.timedelta(days=30)
    with mock.patch("django.utils.timezone.now", return_value=later):
        notice.save_revision().publish()
    with mock.patch("django.utils.timezone.now", return_value=later + datetime.timedelta(days=31)):
        call_command("publish_scheduled", stdout=open("/dev/null", "w"))  # noqa: SIM115
    notice.refresh_from_db()
    assert notice.expired and not notice.live
    assert client.get(notice_index.url + "scheduled/").status_code == 404
