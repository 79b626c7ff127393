"""The Sichuan notice's own route, as the demo configures sc-2026: paper copies registered by reviewers and, none by
the deadline, the application abandoned by the worker's periodic task; the national-platform registration the
applicant records before submitting and the province checks; the municipal review by both city bodies or by
either; stage names and notification texts read from the application's frozen rules version."""

import datetime

import pytest
import time_machine
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from viewflow.workflow.status import PROCESS, STATUS

from workflows.node_application import services, tasks
from workflows.node_application.campaign_rules import rules_for, rules_from_campaign
from workflows.node_application.deadlines import shanghai_end_of_day
from workflows.node_application.models import (
    ApplicationEvent,
    CampaignNotificationText,
    CampaignStageName,
    Notification,
    ReviewTask,
    Stage,
    TaskKind,
)
from workflows.node_application.services.paper_copies import paper_copies_receive

from .factories import applicant, at, eligible_org, fill, open_task, pdf

pytestmark = pytest.mark.django_db

ECONOMY_IT, COMMUNICATIONS = "municipal_economy_it", "municipal_communications_office"


def act(kind, application, user, decision, opinion="同意。", department="", now=None):
    return services.task_act(
        task=open_task(application, kind, department), actor=user, decision=decision, opinion=opinion, now=now
    )


def submitted(campaign, user, *, now=None, node_type="industry", industry="391"):
    now = now or at(3, 20)
    application = services.application_create(campaign=campaign, node_type=node_type, actor=user, now=now)
    application = fill(application, user, now=now, industry=industry)
    return services.application_submit(application=application, actor=user, now=now)


def both_cities_recommend(application, p, now=None):
    act(TaskKind.MUNICIPAL_REVIEW, application, p["chengdu"], "recommend", department=ECONOMY_IT, now=now)
    return act(
        TaskKind.MUNICIPAL_REVIEW, application, p["chengdu_comms"], "recommend", department=COMMUNICATIONS, now=now
    )


def province_approves(application, p, now=None):
    act(
        TaskKind.PROVINCIAL_REVIEW,
        application,
        p["sc_comms"],
        "approve",
        department="communications_administration",
        now=now,
    )
    return act(TaskKind.PROVINCIAL_REVIEW, application, p["sc_industry"], "approve", department="industry_it", now=now)


def test_the_sichuan_demo_call_is_configuration(sichuan_notice, hebei):
    rules = rules_from_campaign(sichuan_notice)
    assert (rules.municipal_review_mode, rules.provincial_review_mode) == ("all", "all")
    assert rules.national_registration_for("industry") and not rules.national_registration_for("regional")
    assert rules.has_paper_copies and rules.paper_copies_count == 3
    assert sichuan_notice.paper_copies_deadline == shanghai_end_of_day(2026, 3, 25)  # 与电子版同步报送
    assert "视为自动放弃" in rules.notification_text(Stage.ABANDONED)
    assert rules.stage_name(Stage.MUNICIPAL_REVIEW) == "市（州）经济和信息化局、通信发展办公室初审推荐中"
    assert not rules.has_name_prereview
    hebei_rules = rules_from_campaign(hebei)
    assert hebei_rules.has_name_prereview and not (
        hebei_rules.has_paper_copies or hebei_rules.has_national_registration
    )


def test_paper_copies_not_received_by_the_deadline_abandon_the_application(client, sichuan_notice, people):
    p = people
    late = submitted(sichuan_notice, p["applicant"], now=at(3, 20))
    on_time = submitted(sichuan_notice, p["applicant_mianyang"], now=at(3, 20), industry="392")
    paper_copies_receive(
        application=on_time,
        actor=p["sc_comms"],
        received_on=datetime.date(2026, 3, 24),
        count=3,
        receiver="吴收件",
        now=at(3, 24),
    )
    # The operator rewrites the abandonment text after both were submitted: the applicant is told the frozen one.
    CampaignNotificationText.objects.filter(campaign=sichuan_notice, stage=Stage.ABANDONED).update(
        text="（新文本）{reference}"
    )
    frozen_text = rules_for(late).notification_text(Stage.ABANDONED)

    with time_machine.travel(at(3, 25, 23, 59), tick=False):
        assert tasks.paper_copies_abandon_overdue.call() == {"abandoned": 0}
    late.refresh_from_db()
    assert late.stage == Stage.MUNICIPAL_REVIEW

    with time_machine.travel(at(3, 26, 0, 5), tick=False):
        assert tasks.paper_copies_abandon_overdue.call() == {"abandoned": 1}
        assert tasks.paper_copies_abandon_overdue.call() == {"abandoned": 0}  # idempotent

    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.stage == Stage.ABANDONED and on_time.stage == Stage.MUNICIPAL_REVIEW
    # the process ends: cancelled with every task, nothing left open for either city body
    assert late.process.status == PROCESS.CANCELED
    assert not late.process.task_set.exclude(status__in=[STATUS.DONE, STATUS.CANCELED]).exists()
    assert set(late.tasks.values_list("status", flat=True)) == {"cancelled"}
    task = late.tasks.filter(kind=TaskKind.MUNICIPAL_REVIEW).first()
    with pytest.raises(PermissionDenied):
        services.task_act(task=task, actor=p["chengdu"], decision="recommend", opinion="推荐。")
    # trail, audit log, and the applicant told in the campaign's (frozen) words
    event = ApplicationEvent.objects.get(application=late, action="paper_copies:abandoned")
    assert event.actor is None and event.from_stage == Stage.MUNICIPAL_REVIEW and "2026-03-25 24:00" in event.opinion
    assert any(
        entry.changes.get("stage", [None, None])[1] == Stage.ABANDONED
        for entry in LogEntry.objects.get_for_object(late).filter(action=LogEntry.Action.UPDATE)
    )
    message = Notification.objects.filter(user=p["applicant"], application=late).order_by("-pk").first().message
    assert message == frozen_text.format(organization=late.organization, reference=late.reference, title=late.title)
    assert "（新文本）" not in message
    # a late receipt is refused and changes nothing
    with pytest.raises(ValidationError):
        paper_copies_receive(
            application=late, actor=p["sc_comms"], received_on=datetime.date(2026, 3, 25), count=3, receiver="吴收件"
        )
    client.force_login(p["applicant"])
    page = client.get(reverse("node_application:detail", args=[late.reference])).content.decode()
    assert "纸质材料逾期未报送，视为自动放弃" in page


def test_paper_copies_receipt_is_checked_field_by_field_and_skips_the_step(client, sichuan_notice, people):
    p = people
    application = submitted(sichuan_notice, p["applicant"], now=at(3, 20))
    url = reverse("node_application:paper_copies", args=[application.reference])

    # only reviewers whose jurisdiction holds it: the applicant, another province and the ministry get 404
    for outsider in (p["applicant"], p["hb_comms"], p["ministry"]):
        client.force_login(outsider)
        assert client.post(url, {"received_on": "2026-03-24", "count": "3", "receiver": "某人"}).status_code == 404

    client.force_login(p["chengdu"])
    detail = client.get(reverse("node_application:detail", args=[application.reference])).content.decode()
    assert "登记纸质材料收到" in detail and "须报送 3 份" in detail
    with time_machine.travel(at(3, 27), tick=False):
        response = client.post(url, {"received_on": "2026-03-26", "count": "2", "receiver": ""})
    body = response.content.decode()
    assert response.status_code == 400
    assert "逾期收到的视为自动放弃申报" in body and "收到 2 份，份数不足" in body and "请填写接收人姓名" in body
    application.refresh_from_db()
    assert application.paper_copies_received_on is None

    with time_machine.travel(at(3, 24, 9), tick=False):
        response = client.post(url, {"received_on": "2026-03-24", "count": "3", "receiver": "陈收件"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.paper_copies_received_on, application.paper_copies_count) == (datetime.date(2026, 3, 24), 3)
    assert application.paper_copies_receiver == "陈收件" and application.paper_copies_recorded_by == p["chengdu"]
    assert client.post(url, {"received_on": "2026-03-24", "count": "3", "receiver": "陈收件"}).status_code == 400
    client.force_login(p["applicant"])
    page = client.get(reverse("node_application:detail", args=[application.reference])).content.decode()
    assert "2026-03-24 收到 3 份，接收人 陈收件" in page

    # registered while the municipal review ran: after the province the paper-copies step is skipped
    application = both_cities_recommend(application, p, now=at(3, 24))
    application = province_approves(application, p, now=at(3, 27))
    assert application.stage == Stage.NATIONAL_REGISTRATION
    application = act(TaskKind.NATIONAL_REGISTRATION, application, p["sc_comms"], "verified", opinion="")
    assert application.stage == Stage.MINISTRY_SUBMISSION
    assert not ReviewTask.objects.filter(application=application, kind=TaskKind.PAPER_COPIES).exists()
    with time_machine.travel(at(4, 2), tick=False):
        assert tasks.paper_copies_abandon_overdue.call() == {"abandoned": 0}


def test_national_registration_is_recorded_by_industry_applicants_before_submit(client, sichuan_notice, people):
    p = people
    user = p["applicant"]
    application = services.application_create(campaign=sichuan_notice, node_type="industry", actor=user, now=at(3, 20))
    application = fill(application, user, now=at(3, 20), national_registration=False)
    client.force_login(user)
    edit = client.get(reverse("node_application:edit", args=[application.reference])).content.decode()
    assert 'name="national_registration_no"' in edit and 'name="national_registration_on"' in edit
    materials = reverse("node_application:edit_step", args=[application.reference, "materials"])
    assert "国家平台注册回执" in client.get(materials).content.decode()  # offered as a material, in the checklist
    with time_machine.travel(at(3, 20, 12), tick=False):
        response = client.post(
            reverse("node_application:submit", args=[application.reference]), {"declared": "on"}, follow=True
        )
    shown = response.content.decode()
    assert "国家平台注册编号：本批次须先在国家算力互联网服务平台注册：请填写国家平台注册编号。" in shown
    assert "国家平台注册日期：请填写国家平台注册日期。" in shown and "国家平台注册回执（PDF 版）" in shown
    application.refresh_from_db()
    assert application.stage == Stage.DRAFT and application.submitted_at is None

    # a regional application of the same call is not asked for it
    regional = services.application_create(
        campaign=sichuan_notice, node_type="regional", actor=p["applicant_mianyang"], now=at(3, 20)
    )
    errors, missing, _findings = services.submit_problems(regional, on=at(3, 20).date())
    assert "national_registration_no" not in errors and not any("国家平台" in m for m in missing)
    page = client.get(reverse("node_application:edit", args=[application.reference]))
    assert page.status_code == 200
    client.force_login(p["applicant_mianyang"])
    assert (
        'name="national_registration_no"'
        not in client.get(reverse("node_application:edit", args=[regional.reference])).content.decode()
    )

    services.material_upload(
        application=application,
        actor=user,
        kind="national_registration_receipt",
        fmt="pdf",
        upload=pdf(),
        now=at(3, 20),
    )
    services.application_save_draft(
        application=application,
        actor=user,
        data={"national_registration_no": "NCP-510-0001", "national_registration_on": datetime.date(2026, 3, 19)},
        now=at(3, 20),
    )
    application = services.application_submit(application=application, actor=user, now=at(3, 20, 12))
    assert application.stage == Stage.MUNICIPAL_REVIEW
    # the reviewers see it
    client.force_login(p["chengdu"])
    task = open_task(application, TaskKind.MUNICIPAL_REVIEW, ECONOMY_IT)
    body = client.get(reverse("node_application:task", args=[task.pk])).content.decode()
    assert "NCP-510-0001" in body and "2026-03-19" in body and "国家平台注册回执" in body

    # the province finds the number wrong and returns it; the resubmission goes back to that check
    paper_copies_receive(
        application=application,
        actor=p["chengdu"],
        received_on=datetime.date(2026, 3, 21),
        count=3,
        receiver="陈收件",
        now=at(3, 21),
    )
    application = both_cities_recommend(application, p, now=at(3, 22))
    application = province_approves(application, p, now=at(3, 26))
    assert application.stage == Stage.NATIONAL_REGISTRATION
    with pytest.raises(ValidationError):
        act(TaskKind.NATIONAL_REGISTRATION, application, p["sc_comms"], "return", opinion="")
    application = act(
        TaskKind.NATIONAL_REGISTRATION, application, p["sc_comms"], "return", opinion="编号与国家平台不符。"
    )
    assert application.stage == Stage.RETURNED
    services.application_save_draft(
        application=application, actor=user, data={"national_registration_no": "NCP-510-0002"}, now=at(3, 27)
    )
    application = services.application_submit(application=application, actor=user, now=at(3, 27))
    assert application.stage == Stage.NATIONAL_REGISTRATION
    application = act(TaskKind.NATIONAL_REGISTRATION, application, p["sc_comms"], "verified", opinion="", now=at(3, 28))
    assert application.stage == Stage.MINISTRY_SUBMISSION and application.national_registration_no == "NCP-510-0002"
    assert "NCP-510-0002" in application.tasks.filter(kind=TaskKind.NATIONAL_REGISTRATION, status="done").last().opinion


@pytest.mark.parametrize("mode", ["all", "any"])
def test_municipal_review_by_both_city_bodies_or_by_either(sichuan, people, mode):
    p = people
    sichuan.municipal_review_mode = mode
    sichuan.save(update_fields=["municipal_review_mode"])
    application = submitted(sichuan, p["applicant"], now=at(3, 20))
    tasks_open = ReviewTask.objects.filter(application=application, kind=TaskKind.MUNICIPAL_REVIEW, status="open")
    if mode == "all":
        assert sorted(tasks_open.values_list("department", flat=True)) == [COMMUNICATIONS, ECONOMY_IT]
        # neither body may act on the other's task
        with pytest.raises(PermissionDenied):
            services.task_act(
                task=tasks_open.get(department=COMMUNICATIONS),
                actor=p["chengdu"],
                decision="recommend",
                opinion="推荐。",
            )
        application = act(
            TaskKind.MUNICIPAL_REVIEW, application, p["chengdu"], "recommend", department=ECONOMY_IT, now=at(3, 22)
        )
        assert application.stage == Stage.MUNICIPAL_REVIEW  # one recommendation is not enough
        application = act(
            TaskKind.MUNICIPAL_REVIEW,
            application,
            p["chengdu_comms"],
            "recommend",
            department=COMMUNICATIONS,
            now=at(3, 23),
        )
    else:
        assert list(tasks_open.values_list("department", flat=True)) == [""]
        # either body: the communications office alone recommends it
        application = act(TaskKind.MUNICIPAL_REVIEW, application, p["chengdu_comms"], "recommend", now=at(3, 22))
    assert application.stage == Stage.PROVINCIAL_REVIEW
    assert not ReviewTask.objects.filter(
        application=application, kind=TaskKind.MUNICIPAL_REVIEW, status="open"
    ).exists()


def test_one_body_not_recommending_ends_a_two_body_review_and_closes_the_other_task(sichuan, people):
    p = people
    sichuan.municipal_review_mode = "all"
    sichuan.save(update_fields=["municipal_review_mode"])
    application = submitted(sichuan, p["applicant"], now=at(3, 20))
    application = act(
        TaskKind.MUNICIPAL_REVIEW,
        application,
        p["chengdu_comms"],
        "not_recommend",
        "不符合条件。",
        department=COMMUNICATIONS,
        now=at(3, 22),
    )
    assert application.stage == Stage.NOT_RECOMMENDED
    other = ReviewTask.objects.get(application=application, department=ECONOMY_IT)
    assert other.status == "cancelled" and other.workflow_task.status == STATUS.CANCELED
    assert application.process.status == PROCESS.DONE


def test_stage_names_are_read_from_the_frozen_rules_version(client, sichuan_notice, people):
    p = people
    application = submitted(sichuan_notice, p["applicant"], now=at(3, 20))
    old = "市（州）经济和信息化局、通信发展办公室初审推荐中"
    CampaignStageName.objects.filter(campaign=sichuan_notice, stage=Stage.MUNICIPAL_REVIEW).update(
        label="（改名后）市级初审"
    )
    client.force_login(p["applicant"])
    page = client.get(reverse("node_application:detail", args=[application.reference])).content.decode()
    assert old in page and "（改名后）市级初审" not in page
    # a draft in the same call follows the campaign as it stands now
    draft = services.application_create(
        campaign=sichuan_notice, node_type="industry", actor=applicant(eligible_org("510100")), now=at(3, 21)
    )
    draft = type(draft).objects.get(pk=draft.pk)
    draft.stage = Stage.MUNICIPAL_REVIEW  # what the name would be at that stage, before any freezing
    assert draft.applicant_stage_label == "（改名后）市级初审"
