"""What reviewers, experts and the ministry do: task decisions (split/join under a row lock), scores, objections."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Avg
from django.utils.translation import gettext as _

from organizations.models import AuthorityLevel, DepartmentKind, User

from .. import deadlines, selectors
from ..models import (
    ExpertScore,
    NodeApplication,
    Objection,
    ReviewTask,
    Stage,
    TaskKind,
    TaskStatus,
)
from .applicant import _enter_provincial_review
from .common import (
    DECISIONS,
    RETURN_DECISIONS,
    _lock,
    _move,
    _now,
    _open_task,
    _province_code,
    _record,
)
from .package import build_submission_package


def _close_task(task: ReviewTask, *, actor: User, decision: str, opinion: str, now: datetime.datetime) -> None:
    task.status = TaskStatus.DONE
    task.decision = decision
    task.opinion = opinion
    task.acted_by = actor
    task.acted_at = now
    task.save(update_fields=["status", "decision", "opinion", "acted_by", "acted_at"])


def _return_to_applicant(
    *, application: NodeApplication, task: ReviewTask, actor: User, opinion: str, now: datetime.datetime, label: str
) -> None:
    for other in application.tasks.filter(status=TaskStatus.OPEN).exclude(pk=task.pk):
        other.status = TaskStatus.CANCELLED
        other.save(update_fields=["status"])
    application.returned_from = application.stage
    _move(
        application=application,
        to_stage=Stage.RETURNED,
        action=f"{task.kind}:return",
        label=label,
        actor=actor,
        opinion=opinion,
        task=task,
        now=now,
    )


@transaction.atomic
def task_act(
    *, task: ReviewTask, actor: User, decision: str, opinion: str = "", now: datetime.datetime | None = None
) -> NodeApplication:
    """Complete a review task with a decision and an opinion; moves the application on."""
    now = _now(now)
    application = _lock(task.application)
    task = ReviewTask.objects.select_for_update().get(pk=task.pk)
    if not selectors.task_can_act(user=actor, task=task):
        raise PermissionDenied(_("该任务不属于您所在的主管部门，或已办理。"))
    kind = TaskKind(task.kind)
    if decision not in dict(DECISIONS[kind]):
        raise ValidationError({"decision": _("请选择办理结果。")})
    opinion = (opinion or "").strip()
    if not opinion and (
        decision in RETURN_DECISIONS
        or kind in (TaskKind.MUNICIPAL_REVIEW, TaskKind.PROVINCIAL_REVIEW, TaskKind.MINISTRY_SUBMISSION)
    ):
        raise ValidationError({"opinion": _("请填写意见。")})
    handler = _HANDLERS[kind]
    handler(application=application, task=task, actor=actor, decision=decision, opinion=opinion, now=now)
    return application


def _name_prereview(*, application, task, actor, decision, opinion, now):
    deadlines.ensure_before(application.campaign.materials_deadline, now=now, what=_("行业名称初核"))
    _close_task(task, actor=actor, decision=decision, opinion=opinion, now=now)
    application.industry_name_approved = decision == "approve"
    application.save(update_fields=["industry_name_approved"])
    label = _("行业名称初核通过") if decision == "approve" else _("行业名称初核未通过，请调整行业名称")
    _move(
        application=application,
        to_stage=Stage.DRAFT,
        action=f"name_prereview:{decision}",
        label=label,
        actor=actor,
        opinion=opinion,
        task=task,
        now=now,
    )


def _municipal_review(*, application, task, actor, decision, opinion, now):
    campaign = application.campaign
    deadlines.ensure_in_window(
        campaign.municipal_review_starts_at, campaign.municipal_review_ends_at, now=now, what=_("市级初审推荐")
    )
    _close_task(task, actor=actor, decision=decision, opinion=opinion, now=now)
    if decision == "recommend":
        _enter_provincial_review(application)
        _move(
            application=application,
            to_stage=Stage.PROVINCIAL_REVIEW,
            action="municipal_review:recommend",
            label=_("市级初审：推荐"),
            actor=actor,
            opinion=opinion,
            task=task,
            now=now,
        )
    elif decision == "return":
        _return_to_applicant(
            application=application, task=task, actor=actor, opinion=opinion, now=now, label=_("市级初审：退回修改")
        )
    else:
        _move(
            application=application,
            to_stage=Stage.NOT_RECOMMENDED,
            action="municipal_review:not_recommend",
            label=_("市级初审：不予推荐"),
            actor=actor,
            opinion=opinion,
            task=task,
            now=now,
        )


def _provincial_review(*, application, task, actor, decision, opinion, now):
    """One branch of the parallel joint review; the join happens once, under the application's row lock."""
    campaign = application.campaign
    deadlines.ensure_in_window(
        campaign.provincial_review_starts_at, campaign.provincial_review_ends_at, now=now, what=_("省级联合复审")
    )
    _close_task(task, actor=actor, decision=decision, opinion=opinion, now=now)
    if decision == "return":
        _return_to_applicant(
            application=application,
            task=task,
            actor=actor,
            opinion=opinion,
            now=now,
            label=_("省级联合复审：%(dept)s退回修改") % {"dept": task.department_label},
        )
        return
    _record(
        application=application,
        action="provincial_review:approve",
        label=_("省级联合复审：%(dept)s同意") % {"dept": task.department_label},
        actor=actor,
        opinion=opinion,
        task=task,
        now=now,
    )
    if application.tasks.filter(kind=TaskKind.PROVINCIAL_REVIEW, status=TaskStatus.OPEN).exists():
        return
    # Join: both departments approved.
    _open_task(
        application=application,
        kind=TaskKind.MINISTRY_SUBMISSION,
        level=AuthorityLevel.PROVINCE,
        division_code=_province_code(application),
        due_at=campaign.ministry_deadline,
    )
    _move(
        application=application,
        to_stage=Stage.MINISTRY_SUBMISSION,
        action="provincial_review:joined",
        label=_("省级联合复审：两部门均同意"),
        actor=actor,
        now=now,
    )


def _ministry_submission(*, application, task, actor, decision, opinion, now):
    deadlines.ensure_before(application.campaign.ministry_deadline, now=now, what=_("报送工业和信息化部"))
    _close_task(task, actor=actor, decision=decision, opinion=opinion, now=now)
    application.joint_opinion = opinion
    application.ministry_submitted_at = now
    content, digest = build_submission_package(application, now=now)
    application.package.save(f"{application.reference}-submission.zip", ContentFile(content), save=False)
    application.package_sha256 = digest
    application.save(update_fields=["joint_opinion", "ministry_submitted_at", "package", "package_sha256"])
    _open_task(application=application, kind=TaskKind.EXPERT_REVIEW, level=AuthorityLevel.MINISTRY, division_code="")
    _move(
        application=application,
        to_stage=Stage.EXPERT_REVIEW,
        action="ministry_submission:submit",
        label=_("省级复审意见已形成，报送工业和信息化部"),
        actor=actor,
        opinion=opinion,
        task=task,
        now=now,
    )


def _expert_review(*, application, task, actor, decision, opinion, now):
    scores = application.expert_scores.all()
    count = scores.count()
    if decision == "publicize" and count < application.campaign.min_expert_scores:
        raise ValidationError(
            _("至少需要 %(min)s 位专家评分，目前 %(count)s 位。")
            % {"min": application.campaign.min_expert_scores, "count": count}
        )
    average = scores.aggregate(avg=Avg("score"))["avg"]
    application.expert_average = (
        Decimal(average).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if average is not None else None
    )
    _close_task(task, actor=actor, decision=decision, opinion=opinion, now=now)
    summary = _("专家评分：%(count)s 位，平均 %(avg)s") % {"count": count, "avg": application.expert_average or "—"}
    if decision == "publicize":
        application.publicity_ends_at = now + datetime.timedelta(days=application.campaign.publicity_days)
        application.save(update_fields=["expert_average", "publicity_ends_at"])
        _open_task(
            application=application,
            kind=TaskKind.PUBLICITY,
            level=AuthorityLevel.MINISTRY,
            division_code="",
            due_at=application.publicity_ends_at,
        )
        _move(
            application=application,
            to_stage=Stage.PUBLICITY,
            action="expert_review:publicize",
            label=_("专家评审通过，进入公示"),
            actor=actor,
            opinion=f"{summary}\n{opinion}".strip(),
            task=task,
            now=now,
        )
    else:
        application.decided_at = now
        application.save(update_fields=["expert_average", "decided_at"])
        _move(
            application=application,
            to_stage=Stage.REJECTED,
            action="expert_review:reject",
            label=_("专家评审未通过"),
            actor=actor,
            opinion=f"{summary}\n{opinion}".strip(),
            task=task,
            now=now,
        )


def _publicity(*, application, task, actor, decision, opinion, now):
    if decision == "approve":
        if application.publicity_ends_at and now < application.publicity_ends_at:
            raise ValidationError(_("公示期尚未结束，不能批准。"))
        if application.objections.filter(resolved_at__isnull=True).exists():
            raise ValidationError(_("公示期间的异议尚未全部处理，不能批准。"))
    _close_task(task, actor=actor, decision=decision, opinion=opinion, now=now)
    application.decided_at = now
    application.save(update_fields=["decided_at"])
    if decision == "approve":
        _open_task(
            application=application,
            kind=TaskKind.CONSTRUCTION,
            level=AuthorityLevel.PROVINCE,
            division_code=_province_code(application),
        )
        _move(
            application=application,
            to_stage=Stage.CONSTRUCTION,
            action="publicity:approve",
            label=_("公示期满，批准建设"),
            actor=actor,
            opinion=opinion,
            task=task,
            now=now,
        )
    else:
        _move(
            application=application,
            to_stage=Stage.REJECTED,
            action="publicity:reject",
            label=_("不予批准"),
            actor=actor,
            opinion=opinion,
            task=task,
            now=now,
        )


def _construction(*, application, task, actor, decision, opinion, now):
    _close_task(task, actor=actor, decision=decision, opinion=opinion, now=now)
    _open_task(
        application=application,
        kind=TaskKind.INTEGRATION_TESTING,
        level=AuthorityLevel.PROVINCE,
        department=DepartmentKind.COMMUNICATIONS_ADMINISTRATION,
        division_code=_province_code(application),
    )
    _move(
        application=application,
        to_stage=Stage.INTEGRATION_TESTING,
        action="construction:complete",
        label=_("建设完成，开始与国家节点、区域节点对接联调"),
        actor=actor,
        opinion=opinion,
        task=task,
        now=now,
    )


def _integration_testing(*, application, task, actor, decision, opinion, now):
    _close_task(task, actor=actor, decision=decision, opinion=opinion, now=now)
    if decision == "fail":
        _open_task(
            application=application,
            kind=TaskKind.INTEGRATION_TESTING,
            level=AuthorityLevel.PROVINCE,
            department=DepartmentKind.COMMUNICATIONS_ADMINISTRATION,
            division_code=_province_code(application),
        )
        _record(
            application=application,
            action="integration_testing:fail",
            label=_("对接联调未通过"),
            actor=actor,
            opinion=opinion,
            task=task,
            now=now,
        )
        return
    _open_task(application=application, kind=TaskKind.ACCEPTANCE, level=AuthorityLevel.MINISTRY, division_code="")
    _move(
        application=application,
        to_stage=Stage.ACCEPTANCE,
        action="integration_testing:pass",
        label=_("对接联调通过，申请验收"),
        actor=actor,
        opinion=opinion,
        task=task,
        now=now,
    )


def _acceptance(*, application, task, actor, decision, opinion, now):
    _close_task(task, actor=actor, decision=decision, opinion=opinion, now=now)
    if decision == "fail":
        _open_task(application=application, kind=TaskKind.ACCEPTANCE, level=AuthorityLevel.MINISTRY, division_code="")
        _record(
            application=application,
            action="acceptance:fail",
            label=_("验收未通过，整改后复验"),
            actor=actor,
            opinion=opinion,
            task=task,
            now=now,
        )
        return
    _move(
        application=application,
        to_stage=Stage.ACCEPTED,
        action="acceptance:accept",
        label=_("验收通过"),
        actor=actor,
        opinion=opinion,
        task=task,
        now=now,
    )


_HANDLERS = {
    TaskKind.NAME_PREREVIEW: _name_prereview,
    TaskKind.MUNICIPAL_REVIEW: _municipal_review,
    TaskKind.PROVINCIAL_REVIEW: _provincial_review,
    TaskKind.MINISTRY_SUBMISSION: _ministry_submission,
    TaskKind.EXPERT_REVIEW: _expert_review,
    TaskKind.PUBLICITY: _publicity,
    TaskKind.CONSTRUCTION: _construction,
    TaskKind.INTEGRATION_TESTING: _integration_testing,
    TaskKind.ACCEPTANCE: _acceptance,
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


@transaction.atomic
def expert_score_submit(
    *,
    application: NodeApplication,
    expert: User,
    score: Decimal,
    comment: str = "",
    now: datetime.datetime | None = None,
) -> ExpertScore:
    now = _now(now)
    if not selectors.is_expert(expert):
        raise PermissionDenied(_("只有评审专家可以评分。"))
    application = _lock(application)
    if application.stage != Stage.EXPERT_REVIEW:
        raise ValidationError(_("该申报不在专家评审环节。"))
    score = Decimal(score)
    if not Decimal("0") <= score <= Decimal("100"):
        raise ValidationError({"score": _("评分应在 0–100 之间。")})
    if ExpertScore.objects.filter(application=application, expert=expert).exists():
        raise ValidationError(_("您已对该申报评分。"))
    record = ExpertScore.objects.create(application=application, expert=expert, score=score, comment=comment)
    _record(
        application=application,
        action="expert_score",
        label=_("专家评分"),
        actor=expert,
        opinion=f"{score} {comment}".strip(),
        visible=False,
        now=now,
    )
    return record


@transaction.atomic
def objection_lodge(
    *, application: NodeApplication, actor: User, lodged_by: str, content: str, now: datetime.datetime | None = None
) -> Objection:
    """The ministry records an objection received during publicity."""
    now = _now(now)
    if not (selectors.is_reviewer(actor) and actor.authority.level == AuthorityLevel.MINISTRY):
        raise PermissionDenied(_("公示异议由工业和信息化部登记。"))
    application = _lock(application)
    if application.stage != Stage.PUBLICITY:
        raise ValidationError(_("该申报不在公示期。"))
    deadlines.ensure_before(application.publicity_ends_at, now=now, what=_("公示期异议"))
    if not content.strip() or not lodged_by.strip():
        raise ValidationError({"content": _("请填写异议人和异议内容。")})
    objection = Objection.objects.create(
        application=application, lodged_by=lodged_by.strip(), content=content.strip(), lodged_at=now
    )
    _record(
        application=application,
        action="objection",
        label=_("收到公示异议"),
        actor=actor,
        opinion=content.strip(),
        visible=True,
        now=now,
    )
    return objection


@transaction.atomic
def objection_resolve(
    *, objection: Objection, actor: User, resolution: str, now: datetime.datetime | None = None
) -> Objection:
    now = _now(now)
    if not (selectors.is_reviewer(actor) and actor.authority.level == AuthorityLevel.MINISTRY):
        raise PermissionDenied(_("公示异议由工业和信息化部处理。"))
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    if objection.resolved_at:
        raise ValidationError(_("该异议已处理。"))
    if not resolution.strip():
        raise ValidationError({"resolution": _("请填写处理结果。")})
    objection.resolution = resolution.strip()
    objection.resolved_by = actor
    objection.resolved_at = now
    objection.save(update_fields=["resolution", "resolved_by", "resolved_at"])
    _record(
        application=objection.application,
        action="objection_resolved",
        label=_("公示异议已处理"),
        actor=actor,
        opinion=objection.resolution,
        now=now,
    )
    return objection
