"""What the reviewer's task page shows beside the decision form: the application's summary, its materials
checklist, the itemised eligibility findings, earlier opinions, the joint-review partner's state and, for the
ministry's expert review, whether experts are assigned and have scored."""

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from . import eligibility, selectors
from .campaign_rules import rules_for
from .models import (
    Material,
    MaterialFormat,
    NodeApplication,
    ReviewTask,
    Stage,
    TaskKind,
)
from .public_forms import ObjectionResolveForm
from .route_views import route_records
from .services.declaration import seal_status
from .services.review import NEXT, OUTCOMES, stage_after


@dataclass(frozen=True)
class ChecklistRow:
    label: str
    pdf: Material | None
    editable: Material | None
    editable_required: bool
    pdf_required: bool = True
    required: bool = True

    @property
    def complete(self) -> bool:
        if not self.required:
            return True
        return (self.pdf is not None or not self.pdf_required) and (
            self.editable is not None or not self.editable_required
        )


def materials_checklist(application: NodeApplication) -> list[ChecklistRow]:
    """One row per material the campaign's list asks of this application (by node type; the consortium-only
    ones for a consortium)."""
    have = {(m.kind, m.format): m for m in application.materials.all()}
    rules = rules_for(application)
    return [
        ChecklistRow(
            label=rule.label,
            pdf=have.get((rule.code, MaterialFormat.PDF.value)),
            editable=have.get((rule.code, MaterialFormat.EDITABLE.value)),
            editable_required=rule.editable_required,
            pdf_required=rule.pdf_required,
            required=rule.required,
        )
        for rule in rules.materials_for(node_type=application.node_type, is_consortium=application.is_consortium)
    ]


def outcome_text(task: ReviewTask, decision: str) -> str:
    """What a decision will do, in words, for the confirmation step."""
    to_stage, _label = OUTCOMES.get((TaskKind(task.kind), decision), (None, ""))
    if to_stage == NEXT:
        to_stage = stage_after(task.application, task.application.stage)
    if task.kind == TaskKind.MUNICIPAL_REVIEW and task.department and decision == "recommend":
        return _("记录本部门推荐；市级两部门均推荐后，申报进入“省级联合复审”环节。")
    if to_stage == Stage.RETURNED:
        return _("申报退回申报单位修改，退回意见将显示在申报单位的页面顶部。")
    if to_stage is not None:
        return _("申报将进入“%(stage)s”环节，申报单位会收到通知。") % {"stage": Stage(to_stage).label}
    if task.kind == TaskKind.PROVINCIAL_REVIEW:
        return _("记录本部门同意；两部门均同意后，申报进入“形成复审意见并报部”环节。")
    return _("记录办理结果，申报仍在当前环节。")


def expert_readiness(application: NodeApplication) -> dict:
    assigned = len(application.expert_assignments.all())
    scored = len(application.expert_scores.all())
    minimum = application.campaign.min_expert_scores
    return {"assigned": assigned, "scored": scored, "minimum": minimum, "ready": scored >= minimum}


def integration_evidence(application: NodeApplication) -> dict:
    """对接联调: the new node's enrolment (code, prefix) and the self-test transcripts it sent, newest first."""
    from .models import IntegrationEnrolment

    enrolment = IntegrationEnrolment.objects.select_related("enrolment_code").filter(application=application).first()
    runs = list(application.selftest_runs.order_by("-received_at", "-pk")[:5])
    return {
        "enrolment": enrolment,
        "runs": runs,
        "latest": runs[0] if runs else None,
        "upstream_url": settings.NODE_PUBLIC_URL,  # what the new node enrols with: this node
    }


def context(task: ReviewTask, *, user) -> dict:
    application = selectors.application_detail_prefetch(NodeApplication.objects.filter(pk=task.application_id)).get()
    return {
        "task": task,
        "application": application,
        "checklist": materials_checklist(application),
        "checks": eligibility.itemised(application, on=timezone.localdate()),
        "seal": seal_status(application),
        "rules": rules_for(application),
        "earlier": selectors.application_earlier_opinions(application=application, before=task),
        "partners": selectors.application_partner_tasks(task=task),
        "experts": expert_readiness(application) if task.kind == TaskKind.EXPERT_REVIEW else None,
        "scores_visible": selectors.scores_visible_to(user=user, application=application),
        "integration": integration_evidence(application) if task.kind == TaskKind.INTEGRATION_TESTING else None,
        "route": route_records(application, user=user),
        "objections": objections_with_forms(application, task=task) if task.kind == TaskKind.PUBLICITY else None,
    }


def objections_with_forms(application: NodeApplication, *, task: ReviewTask) -> list[tuple]:
    """公示与审定: every objection, each unhandled one with its own handling form while the task is open."""
    rows = []
    for objection in application.objections.select_related("resolved_by"):
        form = None
        if task.status == "open" and objection.resolved_at is None:
            form = ObjectionResolveForm(auto_id=f"objection{objection.pk}_%s")
        rows.append((objection, form))
    return rows
