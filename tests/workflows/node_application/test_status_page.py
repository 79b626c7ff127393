"""The applicant's side: submitting takes a confirmation with the truthfulness declaration; the status page has a
stepper over the route, what is needed now with the return reason at the top (also on the edit page), a timeline
written for the applicant, and the dates that apply to this application, shown consistently."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from workflows.node_application import services, status_page
from workflows.node_application.models import Stage, TaskKind

from .factories import at, fill, open_task

pytestmark = pytest.mark.django_db


def test_submit_needs_the_declaration_and_records_it(client, people, campaigns):
    from workflows.node_application.demo import OPEN_CAMPAIGN_SLUG

    campaign = campaigns[OPEN_CAMPAIGN_SLUG]
    application = services.application_create(campaign=campaign, node_type="industry", actor=people["applicant"])
    application = fill(application, people["applicant"], now=timezone.now())
    url = reverse("node_application:submit", args=[application.reference])
    client.force_login(people["applicant_mianyang"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"declaration": "on"}).status_code == 404
    client.force_login(people["applicant"])
    page = client.get(url).content.decode()
    assert "信用承诺" in page and 'name="declaration"' in page and "提交后不能再修改" in page
    response = client.post(url, {})
    assert response.status_code == 200 and "请阅读并勾选信用承诺后再提交" in response.content.decode()
    application.refresh_from_db()
    assert application.stage == Stage.DRAFT
    assert client.post(url, {"declaration": "on"}).status_code == 302
    application.refresh_from_db()
    assert application.stage == Stage.MUNICIPAL_REVIEW
    assert "信用承诺" in application.events.get(action="submit").opinion


def test_returned_application_shows_the_reason_at_the_top_of_status_and_edit_pages(client, sichuan, people):
    application = services.application_create(
        campaign=sichuan, node_type="industry", actor=people["applicant"], now=at(3, 20)
    )
    application = fill(application, people["applicant"], now=at(3, 20))
    services.application_submit(application=application, actor=people["applicant"], now=at(3, 20))
    services.task_act(
        task=open_task(application, TaskKind.MUNICIPAL_REVIEW),
        actor=people["chengdu"],
        decision="return",
        opinion="请补充近三年资金证明。",
        now=at(3, 22),
    )
    client.force_login(people["applicant"])
    detail = client.get(reverse("node_application:detail", args=[application.reference])).content.decode()
    top = detail.split("办理进度与意见", 1)[0]
    assert "现在需要您" in top and "请补充近三年资金证明。" in top and "退回意见" in top
    assert "route-step-returned" in detail and "市级初审推荐" in detail
    edit = client.get(reverse("node_application:edit", args=[application.reference])).content.decode()
    assert "请补充近三年资金证明。" in edit.split("申报表填写步骤", 1)[0]  # above the steps, on every step
    last = client.get(reverse("node_application:edit_step", args=[application.reference, "submit"])).content.decode()
    assert "请补充近三年资金证明。" in last.split("提交前自查", 1)[0]


def test_timeline_groups_uploads_without_hashes(client, sichuan, people):
    application = services.application_create(
        campaign=sichuan, node_type="industry", actor=people["applicant"], now=at(3, 20)
    )
    application = fill(application, people["applicant"], now=at(3, 20))
    services.application_submit(application=application, actor=people["applicant"], now=at(3, 20))
    client.force_login(people["applicant"])
    page = client.get(reverse("node_application:detail", args=[application.reference])).content.decode()
    timeline = page.split("办理进度与意见", 1)[1].split("</ol>", 1)[0]
    uploads = application.materials.count()
    assert "sha256" not in timeline and f"上传申报材料 {uploads} 份" in timeline
    assert timeline.count("上传材料") == 0 and timeline.count("<time>") <= 5
    # Reviewers still see the full trail.
    client.force_login(people["chengdu"])
    reviewer = client.get(reverse("node_application:detail", args=[application.reference])).content.decode()
    assert "上传材料：" in reviewer


def test_dates_read_as_deadlines_and_starts_and_only_those_that_apply(sichuan, people):
    regional = services.application_create(
        campaign=sichuan, node_type="regional", actor=people["applicant"], now=at(3, 20)
    )
    industry = services.application_create(
        campaign=sichuan, node_type="industry", actor=people["applicant"], now=at(3, 20)
    )
    tz = timezone.get_default_timezone()
    sichuan.opens_at = datetime.datetime(2026, 12, 1, tzinfo=tz)
    sichuan.materials_deadline = datetime.datetime(2027, 3, 18, tzinfo=tz)
    sichuan.save()
    regional.refresh_from_db()
    industry.refresh_from_db()
    shown = dict(status_page.dates(regional))
    assert shown["申报开始"] == "2026年12月1日 00:00 起"
    assert shown["申报材料截止"] == "截至 2027年3月17日 24:00"
    assert "市级初审截止" not in shown and "行业名称初核截止" not in shown
    assert "市级初审截止" in dict(status_page.dates(industry))


def test_stepper_follows_the_route_of_the_application(sichuan, hebei, people):
    industry = services.application_create(
        campaign=sichuan, node_type="industry", actor=people["applicant"], now=at(3, 20)
    )
    steps = status_page.stepper(industry, [])
    labels = [s.label for s in steps]
    assert labels[:3] == ["填报与提交", "市级初审推荐", "省级联合复审"] and steps[0].state == "current"
    regional = services.application_create(
        campaign=hebei, node_type="regional", actor=people["applicant_hebei"], now=at(3, 1)
    )
    assert "市级初审推荐" not in [s.label for s in status_page.stepper(regional, [])]
