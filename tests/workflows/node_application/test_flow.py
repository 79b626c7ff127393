"""The route of an application, step by step, through the services (the state machine of the process)."""

import zipfile
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from workflows.node_application import services
from workflows.node_application.models import (
    ApplicationEvent,
    Notification,
    ReviewTask,
    Stage,
    TaskKind,
)

from .factories import at, fill, open_task, restamp

pytestmark = pytest.mark.django_db


def act(task_kind, application, user, decision, opinion="同意。", department="", now=None):
    task = open_task(application, task_kind, department)
    return services.task_act(task=task, actor=user, decision=decision, opinion=opinion, now=now)


def through_ministry(application, people, *, province="sc", now_review=None):
    p = people
    act(
        TaskKind.PROVINCIAL_REVIEW,
        application,
        p[f"{province}_comms"],
        "approve",
        department="communications_administration",
        now=now_review,
    )
    act(
        TaskKind.PROVINCIAL_REVIEW,
        application,
        p[f"{province}_industry"],
        "approve",
        department="industry_it",
        now=now_review,
    )
    return act(
        TaskKind.MINISTRY_SUBMISSION,
        application,
        p[f"{province}_comms"],
        "submit",
        opinion="两部门联合复审同意推荐。",
        now=now_review,
    )


def after_ministry(application, people):
    services.expert_assign(application=application, actor=people["ministry"], experts=people["experts"])
    for n, expert in enumerate(people["experts"]):
        services.expert_score_submit(application=application, expert=expert, score=Decimal(80 + n), comment="方案可行")
    application = act(TaskKind.EXPERT_REVIEW, application, people["ministry"], "publicize", now=at(5, 1))
    assert application.stage == Stage.PUBLICITY
    assert application.expert_average == Decimal("81.00")
    application = act(TaskKind.PUBLICITY, application, people["ministry"], "approve", "公示无异议。", now=at(5, 9))
    assert application.stage == Stage.CONSTRUCTION
    services.milestone_record(
        application=application,
        actor=people["applicant"]
        if application.organization_id == people["tianfu_org"].pk
        else people["applicant_hebei"],
        title="服务中心上线",
        now=at(6, 1),
    )
    return application


def test_sichuan_industry_node_walks_every_step_to_acceptance(sichuan, people):
    p = people
    application = services.application_create(
        campaign=sichuan, node_type="industry", actor=p["applicant"], now=at(3, 20)
    )
    assert application.division_code == "510100"
    assert application.reference == "JD2026-51-I0001"
    application = fill(application, p["applicant"], now=at(3, 20))
    application = services.application_submit(application=application, actor=p["applicant"], now=at(3, 20, 11))
    assert application.stage == Stage.MUNICIPAL_REVIEW
    # The municipal step is a task of the city only: a Mianyang reviewer cannot act on it.
    task = open_task(application, TaskKind.MUNICIPAL_REVIEW)
    with pytest.raises(PermissionDenied):
        services.task_act(task=task, actor=p["mianyang"], decision="recommend", opinion="x", now=at(3, 22))
    with pytest.raises(PermissionDenied):
        services.task_act(task=task, actor=p["sc_comms"], decision="recommend", opinion="x", now=at(3, 22))
    application = act(TaskKind.MUNICIPAL_REVIEW, application, p["chengdu_comms"], "recommend", "推荐。", now=at(3, 22))
    assert application.stage == Stage.PROVINCIAL_REVIEW
    assert (
        ReviewTask.objects.filter(application=application, kind=TaskKind.PROVINCIAL_REVIEW, status="open").count() == 2
    )

    application = act(
        TaskKind.PROVINCIAL_REVIEW,
        application,
        p["sc_comms"],
        "approve",
        department="communications_administration",
        now=at(3, 26),
    )
    assert application.stage == Stage.PROVINCIAL_REVIEW  # waits for the other department
    application = act(
        TaskKind.PROVINCIAL_REVIEW, application, p["sc_industry"], "approve", department="industry_it", now=at(3, 27)
    )
    assert application.stage == Stage.MINISTRY_SUBMISSION
    application = act(
        TaskKind.MINISTRY_SUBMISSION, application, p["sc_industry"], "submit", "复审通过，同意报送。", now=at(3, 31)
    )
    assert application.stage == Stage.EXPERT_REVIEW
    assert application.joint_opinion == "复审通过，同意报送。"
    assert application.ministry_submitted_at == at(3, 31)

    with application.package.open("rb") as handle, zipfile.ZipFile(handle) as archive:
        names = set(archive.namelist())
        import json

        manifest = json.loads(archive.read("manifest.json"))
    assert "materials/application_form-pdf.pdf" in names and "materials/construction_plan-editable.docx" in names
    assert {e["path"] for e in manifest["files"]} == names - {"manifest.json"}
    assert all(len(e["sha256"]) == 64 for e in manifest["files"])

    # Too few expert scores: refused, nothing changes.
    with pytest.raises(ValidationError):
        act(TaskKind.EXPERT_REVIEW, application, p["ministry"], "publicize", now=at(4, 20))
    application = after_ministry(application, p)
    application = act(TaskKind.CONSTRUCTION, application, p["sc_comms"], "complete", "建设完成。", now=at(8, 1))
    application = act(
        TaskKind.INTEGRATION_TESTING,
        application,
        p["sc_comms"],
        "fail",
        "与国家节点标识接口未通。",
        department="communications_administration",
        now=at(8, 5),
    )
    assert application.stage == Stage.INTEGRATION_TESTING
    application = act(
        TaskKind.INTEGRATION_TESTING,
        application,
        p["sc_comms"],
        "pass",
        "联调通过。",
        department="communications_administration",
        now=at(8, 9),
    )
    application = act(TaskKind.ACCEPTANCE, application, p["ministry"], "accept", "验收通过。", now=at(9, 1))
    assert application.stage == Stage.ACCEPTED

    stages = list(
        ApplicationEvent.objects.filter(application=application).exclude(to_stage="").values_list("to_stage", flat=True)
    )
    assert stages == [
        "draft",
        "municipal_review",
        "provincial_review",
        "ministry_submission",
        "expert_review",
        "publicity",
        "construction",
        "integration_testing",
        "acceptance",
        "accepted",
    ]
    assert Notification.objects.filter(user=p["applicant"], application=application).count() == len(stages) - 1
    assert len(mail.outbox) == 0 or all(p["applicant"].email in m.to for m in mail.outbox)
    assert not ReviewTask.objects.filter(application=application, status="open").exists()


def test_hebei_regional_node_skips_municipal_and_reaches_acceptance(hebei, people):
    p = people
    application = services.application_create(
        campaign=hebei, node_type="regional", actor=p["applicant_hebei"], now=at(3, 1)
    )
    assert application.division_code == "130000" and application.region_id == "130000"
    application = fill(
        application, p["applicant_hebei"], now=at(3, 1), applicant_unit="河北省通信管理局、河北省工业和信息化厅"
    )
    application = services.application_submit(
        application=application, actor=p["applicant_hebei"], now=at(3, 17, 23, 59)
    )
    assert application.stage == Stage.PROVINCIAL_REVIEW
    # A Sichuan department cannot act on a Hebei task.
    with pytest.raises(PermissionDenied):
        act(
            TaskKind.PROVINCIAL_REVIEW,
            application,
            p["sc_comms"],
            "approve",
            department="communications_administration",
            now=at(3, 20),
        )
    application = through_ministry(application, p, province="hb", now_review=at(3, 20))
    assert application.stage == Stage.EXPERT_REVIEW
    application = after_ministry(application, p)
    act(TaskKind.CONSTRUCTION, application, p["hb_industry"], "complete", "完成。", now=at(8, 1))
    act(TaskKind.INTEGRATION_TESTING, application, p["hb_comms"], "pass", "通过。", now=at(8, 2))
    application = act(TaskKind.ACCEPTANCE, application, p["ministry"], "accept", "通过。", now=at(9, 1))
    assert application.stage == Stage.ACCEPTED


def test_hebei_industry_node_needs_the_name_prereview_before_submitting(hebei, people):
    p = people
    application = services.application_create(
        campaign=hebei, node_type="industry", actor=p["applicant_hebei"], now=at(3, 1)
    )
    application = fill(
        application, p["applicant_hebei"], now=at(3, 1), recommending_unit="河北省工业和信息化厅、河北省通信管理局"
    )
    with pytest.raises(ValidationError, match="初核"):
        services.application_submit(application=application, actor=p["applicant_hebei"], now=at(3, 2))
    application = services.application_request_name_prereview(
        application=application, actor=p["applicant_hebei"], now=at(3, 2)
    )
    assert application.stage == Stage.NAME_PREREVIEW
    # Only the provincial industry & IT department handles the pre-review.
    with pytest.raises(PermissionDenied):
        act(TaskKind.NAME_PREREVIEW, application, p["hb_comms"], "approve", now=at(3, 3))
    application = act(
        TaskKind.NAME_PREREVIEW, application, p["hb_industry"], "return", "请按中类名称填写。", now=at(3, 3)
    )
    assert application.stage == Stage.DRAFT and not application.industry_name_approved
    application = services.application_request_name_prereview(
        application=application, actor=p["applicant_hebei"], now=at(3, 4)
    )
    application = act(TaskKind.NAME_PREREVIEW, application, p["hb_industry"], "approve", "同意。", now=at(3, 5))
    assert application.industry_name_approved
    application = services.application_submit(application=application, actor=p["applicant_hebei"], now=at(3, 6))
    assert application.stage == Stage.PROVINCIAL_REVIEW  # Hebei: no municipal step


def test_returns_at_each_stage_keep_opinions_and_resubmit_to_the_returning_stage(sichuan, people):
    p = people
    application = services.application_create(
        campaign=sichuan, node_type="industry", actor=p["applicant"], now=at(3, 20)
    )
    application = fill(application, p["applicant"], now=at(3, 20))
    application = services.application_submit(application=application, actor=p["applicant"], now=at(3, 20))

    application = act(TaskKind.MUNICIPAL_REVIEW, application, p["chengdu"], "return", "请补充资金证明。", now=at(3, 22))
    assert application.stage == Stage.RETURNED and application.returned_from == Stage.MUNICIPAL_REVIEW
    application = services.application_save_draft(
        application=application, actor=p["applicant"], data={"basis": "补充：资金到位。"}, now=at(3, 23)
    )
    # the stamped scan no longer matches the edited form: refused until a new one is uploaded
    with pytest.raises(ValidationError) as refused:
        services.application_submit(application=application, actor=p["applicant"], now=at(3, 23))
    assert "与当前申报表" in " ".join(refused.value.message_dict["__all__"])
    restamp(application, p["applicant"], now=at(3, 23))
    application = services.application_submit(application=application, actor=p["applicant"], now=at(3, 23))
    assert application.stage == Stage.MUNICIPAL_REVIEW

    application = act(TaskKind.MUNICIPAL_REVIEW, application, p["chengdu"], "recommend", "推荐。", now=at(3, 24))
    application = act(
        TaskKind.PROVINCIAL_REVIEW,
        application,
        p["sc_comms"],
        "approve",
        department="communications_administration",
        now=at(3, 26),
    )
    application = act(
        TaskKind.PROVINCIAL_REVIEW,
        application,
        p["sc_industry"],
        "return",
        "建设方案需细化。",
        department="industry_it",
        now=at(3, 27),
    )
    assert application.stage == Stage.RETURNED and application.returned_from == Stage.PROVINCIAL_REVIEW
    assert not ReviewTask.objects.filter(application=application, status="open").exists()
    application = services.application_save_draft(
        application=application, actor=p["applicant"], data={"construction_plan": "细化后的方案。"}, now=at(3, 28)
    )
    restamp(application, p["applicant"], now=at(3, 28))
    application = services.application_submit(application=application, actor=p["applicant"], now=at(3, 28))
    # Back to the joint review, both departments again.
    assert application.stage == Stage.PROVINCIAL_REVIEW
    assert (
        ReviewTask.objects.filter(application=application, kind=TaskKind.PROVINCIAL_REVIEW, status="open").count() == 2
    )
    opinions = list(application.events.exclude(opinion="").values_list("opinion", flat=True))
    assert "请补充资金证明。" in opinions and "建设方案需细化。" in opinions
    application = through_ministry(application, p, now_review=at(3, 29))
    assert application.stage == Stage.EXPERT_REVIEW
    # One Viewflow process all along: the applicant's task done three times (submit, two resubmissions),
    # two rounds of the joint review, the returned round's open branch cancelled by the join.
    from viewflow.workflow.models import Task

    from workflows.node_application.flows import NodeApplicationFlow as F

    tasks = Task.objects.filter(process_id=application.process_id)
    assert tasks.filter(flow_task=F.prepare, status="DONE").count() == 3
    assert tasks.filter(flow_task=F.join_reviews, status="DONE").count() == 2
    assert tasks.filter(flow_task=F.municipal_review, status="DONE").count() == 2
    assert not tasks.filter(status="CANCELED").exists()  # sc_comms had approved before the return
    assert tasks.filter(flow_task=F.expert_review, status="NEW").get().review_task.status == "open"


def test_a_return_needs_an_opinion_and_a_bad_decision_changes_nothing(sichuan, people):
    p = people
    application = services.application_create(
        campaign=sichuan, node_type="industry", actor=p["applicant"], now=at(3, 20)
    )
    application = fill(application, p["applicant"], now=at(3, 20))
    application = services.application_submit(application=application, actor=p["applicant"], now=at(3, 20))
    task = open_task(application, TaskKind.MUNICIPAL_REVIEW)
    events = ApplicationEvent.objects.count()
    with pytest.raises(ValidationError):
        services.task_act(task=task, actor=p["chengdu"], decision="return", opinion="  ", now=at(3, 22))
    with pytest.raises(ValidationError):
        services.task_act(task=task, actor=p["chengdu"], decision="approve-everything", opinion="x", now=at(3, 22))
    task.refresh_from_db()
    application.refresh_from_db()
    assert task.status == "open" and application.stage == Stage.MUNICIPAL_REVIEW
    assert ApplicationEvent.objects.count() == events


def test_not_recommended_ends_the_application(sichuan, people):
    p = people
    application = services.application_create(
        campaign=sichuan, node_type="industry", actor=p["applicant"], now=at(3, 20)
    )
    application = fill(application, p["applicant"], now=at(3, 20))
    services.application_submit(application=application, actor=p["applicant"], now=at(3, 20))
    application = act(
        TaskKind.MUNICIPAL_REVIEW, application, p["chengdu"], "not_recommend", "不符合本地产业方向。", now=at(3, 22)
    )
    assert application.stage == Stage.NOT_RECOMMENDED
    with pytest.raises(ValidationError):
        services.application_submit(application=application, actor=p["applicant"], now=at(3, 23))


def test_batch_recommend_is_all_or_nothing(sichuan, people):
    p = people
    apps = []
    for _ in range(2):
        a = services.application_create(campaign=sichuan, node_type="industry", actor=p["applicant"], now=at(3, 20))
        a = fill(a, p["applicant"], now=at(3, 20), industry="392" if apps else "391")
        apps.append(services.application_submit(application=a, actor=p["applicant"], now=at(3, 20)))
    tasks = [open_task(a, TaskKind.MUNICIPAL_REVIEW) for a in apps]
    with pytest.raises(ValidationError):  # before the municipal window opens (21 March)
        services.municipal_batch_recommend(tasks=tasks, actor=p["chengdu"], opinion="推荐。", now=at(3, 20, 23, 59))
    assert ReviewTask.objects.filter(pk__in=[t.pk for t in tasks], status="open").count() == 2
    assert (
        services.municipal_batch_recommend(tasks=tasks, actor=p["chengdu"], opinion="推荐。", now=at(3, 21, 0, 0)) == 2
    )
    for a in apps:
        a.refresh_from_db()
        assert a.stage == Stage.PROVINCIAL_REVIEW


def test_publicity_objections_must_be_resolved_and_the_period_must_end(hebei, people):
    p = people
    application = services.application_create(
        campaign=hebei, node_type="regional", actor=p["applicant_hebei"], now=at(3, 1)
    )
    application = fill(application, p["applicant_hebei"], now=at(3, 1))
    application = services.application_submit(application=application, actor=p["applicant_hebei"], now=at(3, 2))
    application = through_ministry(application, p, province="hb", now_review=at(3, 20))
    services.expert_assign(application=application, actor=p["ministry"], experts=p["experts"])
    for expert in p["experts"]:
        services.expert_score_submit(application=application, expert=expert, score=Decimal("90"))
    with pytest.raises(ValidationError):
        services.expert_score_submit(application=application, expert=p["experts"][0], score=Decimal("10"))
    application = act(TaskKind.EXPERT_REVIEW, application, p["ministry"], "publicize", now=at(5, 1))
    objection = services.objection_lodge(
        application=application, actor=p["ministry"], lodged_by="某单位", content="资金证明存疑", now=at(5, 2)
    )
    with pytest.raises(ValidationError, match="公示期尚未结束"):
        act(TaskKind.PUBLICITY, application, p["ministry"], "approve", now=at(5, 7))
    with pytest.raises(ValidationError, match="异议"):
        act(TaskKind.PUBLICITY, application, p["ministry"], "approve", now=at(5, 8, 10))
    with pytest.raises(PermissionDenied):
        services.objection_resolve(objection=objection, actor=p["hb_comms"], resolution="x", outcome="dismissed")
    services.objection_resolve(
        objection=objection,
        actor=p["ministry"],
        resolution="经核查，资金证明真实。",
        outcome="dismissed",
        now=at(5, 4),
    )
    application = act(TaskKind.PUBLICITY, application, p["ministry"], "approve", now=at(5, 8, 10))
    assert application.stage == Stage.CONSTRUCTION


def test_only_assigned_experts_score_and_the_average_is_theirs(hebei, people, client):
    from django.urls import reverse

    from tests.factories import UserFactory

    p = people
    application = services.application_create(
        campaign=hebei, node_type="regional", actor=p["applicant_hebei"], now=at(3, 1)
    )
    application = fill(application, p["applicant_hebei"], now=at(3, 1))
    application = services.application_submit(application=application, actor=p["applicant_hebei"], now=at(3, 2))
    application = through_ministry(application, p, province="hb", now_review=at(3, 20))
    outsider = UserFactory(roles=["expert"])
    detail = reverse("node_application:detail", args=[application.reference])
    # Nobody but the ministry assigns, and only experts can be assigned.
    with pytest.raises(PermissionDenied):
        services.expert_assign(application=application, actor=p["hb_comms"], experts=p["experts"])
    with pytest.raises(ValidationError):
        services.expert_assign(application=application, actor=p["ministry"], experts=[p["hb_comms"]])
    services.expert_assign(application=application, actor=p["ministry"], experts=p["experts"][:2])
    # An expert not named for this application neither sees it nor scores it.
    client.force_login(outsider)
    assert client.get(detail).status_code == 404
    with pytest.raises(PermissionDenied):
        services.expert_score_submit(application=application, expert=outsider, score=Decimal("10"))
    assert (
        client.post(reverse("node_application:score", args=[application.reference]), {"score": "5"}).status_code == 404
    )
    client.force_login(p["experts"][0])
    assert "提交评分" in client.get(detail).content.decode()
    services.expert_score_submit(application=application, expert=p["experts"][0], score=Decimal("70"))
    services.expert_score_submit(application=application, expert=p["experts"][1], score=Decimal("81"))
    assert "提交评分" not in client.get(detail).content.decode()  # scored once
    # The ministry adds the third expert through the page; a repeated name is kept once.
    client.force_login(p["ministry"])
    experts = [e.pk for e in p["experts"]]
    assert (
        client.post(reverse("node_application:experts", args=[application.reference]), {"experts": experts}).status_code
        == 302
    )
    assert application.expert_assignments.count() == 3
    services.expert_score_submit(application=application, expert=p["experts"][2], score=Decimal("90"))
    assert application.expert_scores.filter(expert=outsider).count() == 0
    application = act(TaskKind.EXPERT_REVIEW, application, p["ministry"], "publicize", now=at(5, 1))
    assert application.expert_average == Decimal("80.33")


def test_every_decision_offered_has_an_outcome_and_every_step_a_node():
    from workflows.node_application.flows import NodeApplicationFlow
    from workflows.node_application.models import DECISIONS
    from workflows.node_application.nodes import Review
    from workflows.node_application.services.review import OUTCOMES

    assert {(kind, value) for kind, choices in DECISIONS.items() for value, _label in choices} == set(OUTCOMES)
    kinds = {node.kind for node in NodeApplicationFlow.instance.nodes() if isinstance(node, Review)}
    assert kinds == set(TaskKind)
    assert NodeApplicationFlow.lock_impl.__class__.__name__ == "SelectForUpdateLock"


def test_a_department_returning_first_cancels_the_other_branch_and_resubmission_splits_again(hebei, people):
    from viewflow.workflow.models import Task

    from workflows.node_application.flows import NodeApplicationFlow as F

    p = people
    application = services.application_create(
        campaign=hebei, node_type="regional", actor=p["applicant_hebei"], now=at(3, 1)
    )
    application = fill(application, p["applicant_hebei"], now=at(3, 1))
    application = services.application_submit(application=application, actor=p["applicant_hebei"], now=at(3, 2))
    waiting = open_task(application, TaskKind.PROVINCIAL_REVIEW, "industry_it")
    application = act(
        TaskKind.PROVINCIAL_REVIEW,
        application,
        p["hb_comms"],
        "return",
        "请补充资金证明。",
        department="communications_administration",
        now=at(3, 20),
    )
    assert application.stage == Stage.RETURNED
    waiting.refresh_from_db()
    assert waiting.status == "cancelled" and waiting.workflow_task.status == "CANCELED"
    with pytest.raises(PermissionDenied):
        services.task_act(task=waiting, actor=p["hb_industry"], decision="approve", opinion="同意", now=at(3, 20))
    application = services.application_submit(application=application, actor=p["applicant_hebei"], now=at(3, 21))
    assert application.stage == Stage.PROVINCIAL_REVIEW
    open_tasks = ReviewTask.objects.filter(application=application, status="open")
    assert sorted(open_tasks.values_list("department", flat=True)) == ["communications_administration", "industry_it"]
    tasks = Task.objects.filter(process_id=application.process_id)
    assert tasks.filter(flow_task=F.joint_review).count() == 2 and tasks.filter(flow_task=F.join_reviews).count() == 1
