"""What reviewers, experts and the ministry do: task decisions (split/join under a row lock), scores, objections."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Avg
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from viewflow.workflow.exceptions import FlowLockFailed

from organizations.models import User

from .. import deadlines, selectors
from ..campaign_rules import rules_for
from ..models import (
    NodeApplication,
    ReviewTask,
    Stage,
    TaskKind,
    TaskStatus,
)
from .common import (
    RETURN_DECISIONS,
    _lock,
    _move,
    _now,
    _record,
)
from .integration import construction_rules, integration_testing_rules
from .package import build_submission_package
from .process import locked, remember

NEXT = "next"  # the next stage of the application's route after the current one (``stage_after``)

# (task kind, decision) -> (stage the application moves to, or None: only recorded; trail label)
OUTCOMES = {
    (TaskKind.NAME_PREREVIEW, "approve"): (Stage.DRAFT, _l("行业名称初核通过")),
    (TaskKind.NAME_PREREVIEW, "return"): (Stage.DRAFT, _l("行业名称初核未通过，请调整行业名称")),
    (TaskKind.MUNICIPAL_REVIEW, "recommend"): (Stage.PROVINCIAL_REVIEW, _l("市级初审：推荐")),
    (TaskKind.MUNICIPAL_REVIEW, "return"): (Stage.RETURNED, _l("市级初审：退回修改")),
    (TaskKind.MUNICIPAL_REVIEW, "not_recommend"): (Stage.NOT_RECOMMENDED, _l("市级初审：不予推荐")),
    (TaskKind.PROVINCIAL_REVIEW, "approve"): (None, _l("省级联合复审：%(dept)s同意")),
    (TaskKind.PROVINCIAL_REVIEW, "return"): (Stage.RETURNED, _l("省级联合复审：%(dept)s退回修改")),
    (TaskKind.NATIONAL_REGISTRATION, "verified"): (NEXT, _l("国家平台注册登记已核验")),
    (TaskKind.NATIONAL_REGISTRATION, "return"): (Stage.RETURNED, _l("国家平台注册登记有误，退回修改")),
    (TaskKind.PAPER_COPIES, "received"): (NEXT, _l("纸质材料已收到")),
    (TaskKind.MINISTRY_SUBMISSION, "submit"): (Stage.EXPERT_REVIEW, _l("省级复审意见已形成，报送工业和信息化部")),
    (TaskKind.EXPERT_REVIEW, "publicize"): (Stage.PUBLICITY, _l("专家评审通过，进入公示")),
    (TaskKind.EXPERT_REVIEW, "reject"): (Stage.REJECTED, _l("专家评审未通过")),
    (TaskKind.PUBLICITY, "approve"): (Stage.CONSTRUCTION, _l("公示期满，批准建设")),
    (TaskKind.PUBLICITY, "reject"): (Stage.REJECTED, _l("不予批准")),
    (TaskKind.CONSTRUCTION, "complete"): (Stage.INTEGRATION_TESTING, _l("建设完成，开始与国家节点、区域节点对接联调")),
    (TaskKind.INTEGRATION_TESTING, "pass"): (Stage.ACCEPTANCE, _l("对接联调通过，申请验收")),
    (TaskKind.INTEGRATION_TESTING, "fail"): (None, _l("对接联调未通过")),
    (TaskKind.ACCEPTANCE, "accept"): (Stage.ACCEPTED, _l("验收通过")),
    (TaskKind.ACCEPTANCE, "fail"): (None, _l("验收未通过，整改后复验")),
}
OPINION_REQUIRED = {
    TaskKind.MUNICIPAL_REVIEW,
    TaskKind.PROVINCIAL_REVIEW,
    TaskKind.MINISTRY_SUBMISSION,
}


def stage_after(application: NodeApplication, stage: str) -> str:
    """The stage after ``stage`` on the application's route, between the provincial review and the ministry:
    the optional national-platform registration check and paper copies (unless their receipt is already
    registered), then the ministry submission. ``NodeApplicationProcess.needs_*`` take the same branches."""
    rules = rules_for(application)
    route = [Stage.PROVINCIAL_REVIEW]
    if rules.national_registration_for(application.node_type):
        route.append(Stage.NATIONAL_REGISTRATION)
    if rules.has_paper_copies and application.paper_copies_received_on is None:
        route.append(Stage.PAPER_COPIES)
    route.append(Stage.MINISTRY_SUBMISSION)
    return route[route.index(stage) + 1] if stage in route[:-1] else Stage.MINISTRY_SUBMISSION


def task_act(
    *, task: ReviewTask, actor: User, decision: str, opinion: str = "", now: datetime.datetime | None = None
) -> NodeApplication:
    """Complete a review task with a decision and an opinion; the flow moves the application on.

    One transaction under the process lock (Viewflow's ``select_for_update_lock``): the ReviewTask and its
    Viewflow task are completed together, and the flow opens the next tasks (or joins the parallel review).
    """
    now = _now(now)
    try:
        with locked(task.application) as application:
            task = ReviewTask.objects.select_for_update().get(pk=task.pk)
            if not selectors.task_can_act(user=actor, task=task) or task.workflow_task_id is None:
                raise PermissionDenied(_("该任务不属于您所在的主管部门，或已办理。"))
            kind = TaskKind(task.kind)
            if (kind, decision) not in OUTCOMES:
                raise ValidationError({"decision": _("请选择办理结果。")})
            opinion = (opinion or "").strip()
            if not opinion and (decision in RETURN_DECISIONS or kind in OPINION_REQUIRED):
                raise ValidationError({"opinion": _("请填写意见。")})
            workflow_task = task.workflow_task
            workflow_task.flow_task.run(
                workflow_task,
                review_task=task,
                application=application,
                actor=actor,
                decision=decision,
                opinion=opinion,
                now=now,
            )
            application.refresh_from_db()
    except FlowLockFailed:
        raise ValidationError(_("该申报正由其他人员办理，请稍后再试。")) from None
    return application


def decision_apply(*, process, review_task, application, actor, decision, opinion, now) -> None:
    """The body of a ``Review`` node: the step's own rules, then the outcome from ``OUTCOMES``."""
    kind = TaskKind(review_task.kind)
    opinion = _STEP_RULES.get(kind, _no_rules)(
        application=application, task=review_task, decision=decision, opinion=opinion, now=now
    )
    review_task.status = TaskStatus.DONE
    review_task.decision = decision
    review_task.opinion = opinion
    review_task.acted_by = actor
    review_task.acted_at = now
    review_task.save(update_fields=["status", "decision", "opinion", "acted_by", "acted_at"])
    remember(process, decision=decision, actor=actor, now=now)
    to_stage, label = OUTCOMES[(kind, decision)]
    if kind == TaskKind.MUNICIPAL_REVIEW and review_task.department and decision == "recommend":
        # one of the city's bodies reviewing in parallel: the move waits for the join (municipal_review_passed)
        to_stage, label = None, _l("市级初审：%(dept)s推荐")
    elif to_stage == NEXT:
        to_stage = stage_after(application, application.stage)
    label = str(label) % {"dept": review_task.department_label}
    event = {"action": f"{kind}:{decision}", "label": label, "actor": actor, "opinion": opinion, "now": now}
    if to_stage is None:
        _record(application=application, task=review_task, **event)
        return
    if to_stage in (Stage.RETURNED, Stage.NOT_RECOMMENDED):
        for other in application.tasks.filter(status=TaskStatus.OPEN).exclude(pk=review_task.pk):
            other.status = TaskStatus.CANCELLED  # its Viewflow task is cancelled by the join
            other.save(update_fields=["status"])
    if to_stage == Stage.RETURNED:
        application.returned_from = application.stage
    _move(application=application, to_stage=to_stage, task=review_task, **event)


def municipal_review_passed(*, process) -> None:
    """After the join of a municipal review by both city bodies: both recommended."""
    application = _lock(process.application)
    data = process.data or {}
    _move(
        application=application,
        to_stage=Stage.PROVINCIAL_REVIEW,
        action="municipal_review:joined",
        label=_("市级初审：两部门均推荐"),
        actor=User.objects.filter(pk=data.get("actor")).first(),
        now=datetime.datetime.fromisoformat(data["at"]) if data.get("at") else _now(None),
    )


def joint_review_passed(*, process) -> None:
    """After the provincial review: both departments approved (runs exactly once per round, under the process
    lock), or the one department of a campaign whose provincial review is by any one body."""
    application = _lock(process.application)
    data = process.data or {}
    joint = rules_for(application).provincial_review_mode == "all"
    _move(
        application=application,
        to_stage=stage_after(application, Stage.PROVINCIAL_REVIEW),
        action="provincial_review:joined",
        label=_("省级联合复审：两部门均同意") if joint else _("省级复审：同意"),
        actor=User.objects.filter(pk=data.get("actor")).first(),
        now=datetime.datetime.fromisoformat(data["at"]) if data.get("at") else _now(None),
    )


def _no_rules(*, opinion, **kwargs) -> str:
    return opinion


def _name_prereview(*, application, task, decision, opinion, now) -> str:
    deadlines.ensure_before(application.campaign.materials_deadline, now=now, what=_("行业名称初核"))
    application.industry_name_approved = decision == "approve"
    application.save(update_fields=["industry_name_approved"])
    return opinion


def _municipal_review(*, application, task, decision, opinion, now) -> str:
    campaign = application.campaign
    deadlines.ensure_in_window(
        campaign.municipal_review_starts_at, campaign.municipal_review_ends_at, now=now, what=_("市级初审推荐")
    )
    return opinion


def _provincial_review(*, application, task, decision, opinion, now) -> str:
    campaign = application.campaign
    deadlines.ensure_in_window(
        campaign.provincial_review_starts_at, campaign.provincial_review_ends_at, now=now, what=_("省级联合复审")
    )
    return opinion


def _ministry_submission(*, application, task, decision, opinion, now) -> str:
    deadlines.ensure_before(application.campaign.ministry_deadline, now=now, what=_("报送工业和信息化部"))
    application.joint_opinion = opinion
    application.ministry_submitted_at = now
    content, digest = build_submission_package(application, now=now)
    application.package.save(f"{application.reference}-submission.zip", ContentFile(content), save=False)
    application.package_sha256 = digest
    application.save(update_fields=["joint_opinion", "ministry_submitted_at", "package", "package_sha256"])
    return opinion


def expert_scores_missing(application) -> str | None:
    """Why the application cannot go to publicity yet (too few expert scores), or None."""
    count, minimum = application.expert_scores.count(), application.campaign.min_expert_scores
    if count >= minimum:
        return None
    return _("至少需要 %(min)s 位专家评分，目前 %(count)s 位。") % {"min": minimum, "count": count}


def _expert_review(*, application, task, decision, opinion, now) -> str:
    scores = application.expert_scores.all()
    count = scores.count()
    if decision == "publicize" and (missing := expert_scores_missing(application)):
        raise ValidationError({"decision": missing})
    average = scores.aggregate(avg=Avg("score"))["avg"]
    application.expert_average = (
        Decimal(average).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if average is not None else None
    )
    if decision == "publicize":
        application.publicity_ends_at = now + datetime.timedelta(days=application.campaign.publicity_days)
    else:
        application.decided_at = now
    application.save(update_fields=["expert_average", "publicity_ends_at", "decided_at"])
    summary = _("专家评分：%(count)s 位，平均 %(avg)s") % {"count": count, "avg": application.expert_average or "—"}
    return f"{summary}\n{opinion}".strip()


def _publicity(*, application, task, decision, opinion, now) -> str:
    if decision == "approve":
        if application.publicity_ends_at and now < application.publicity_ends_at:
            raise ValidationError(_("公示期尚未结束，不能批准。"))
        if application.objections.filter(resolved_at__isnull=True).exists():
            raise ValidationError(_("公示期间的异议尚未全部处理，不能批准。"))
    application.decided_at = now
    application.save(update_fields=["decided_at"])
    return opinion


def _national_registration(*, application, task, decision, opinion, now) -> str:
    """The province checks the registration the applicant recorded before submitting (number, date, receipt)."""
    if decision == "verified" and not (application.national_registration_no and application.national_registration_on):
        raise ValidationError(_("申报单位尚未登记国家平台注册编号和注册日期，请退回修改。"))
    summary = _("国家平台注册编号 %(no)s，注册日期 %(on)s") % {
        "no": application.national_registration_no or "—",
        "on": application.national_registration_on or "—",
    }
    return f"{summary}\n{opinion}".strip()


def _paper_copies(*, application, task, decision, opinion, now) -> str:
    """Completed by ``paper_copies_receive`` once the receipt (date, count, receiver) is registered."""
    if application.paper_copies_received_on is None:
        raise ValidationError(_("请先登记纸质材料的收到日期、份数和接收人。"))
    return opinion


_STEP_RULES = {
    TaskKind.NAME_PREREVIEW: _name_prereview,
    TaskKind.NATIONAL_REGISTRATION: _national_registration,
    TaskKind.PAPER_COPIES: _paper_copies,
    TaskKind.MUNICIPAL_REVIEW: _municipal_review,
    TaskKind.PROVINCIAL_REVIEW: _provincial_review,
    TaskKind.MINISTRY_SUBMISSION: _ministry_submission,
    TaskKind.EXPERT_REVIEW: _expert_review,
    TaskKind.PUBLICITY: _publicity,
    TaskKind.CONSTRUCTION: construction_rules,
    TaskKind.INTEGRATION_TESTING: integration_testing_rules,
}


@transaction.atomic
def municipal_batch_recommend(
    *, tasks: list[ReviewTask], actor: User, opinion: str, now: datetime.datetime | None = None
) -> int:
    """Recommend several applications at once; all or nothing."""
    for task in tasks:
        if task.kind != TaskKind.MUNICIPAL_REVIEW:
            raise ValidationError(_("批量推荐只适用于市级初审任务。"))
        task_act(task=task, actor=actor, decision="recommend", opinion=opinion, now=now)
    return len(tasks)
