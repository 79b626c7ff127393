"""The public 公示 list, read from the workflow itself (no editor types it): every application the ministry sent to
publicity after expert review (``publicity_ends_at`` is set then, and only then), its period (from the trail's
entry into publicity to ``publicity_ends_at``), the review result, and once decided the outcome (公示结果) with how
many objections were received and upheld. Nothing private is shown: no contact details, materials or scores."""

import datetime

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from .models import ApplicationEvent, NodeApplication, ObjectionOutcome, Stage

CURRENT, RESULTS = "current", "results"

APPROVED_STAGES = {Stage.CONSTRUCTION, Stage.INTEGRATION_TESTING, Stage.ACCEPTANCE, Stage.ACCEPTED}

REVIEW_RESULT = _("专家评审通过，拟入选")


def _base() -> QuerySet[NodeApplication]:
    entered = ApplicationEvent.objects.filter(application=OuterRef("pk"), to_stage=Stage.PUBLICITY).order_by("-at")
    return (
        NodeApplication.objects.filter(publicity_ends_at__isnull=False, submitted_at__isnull=False)
        .select_related("campaign", "campaign__province", "organization", "region", "industry")
        .annotate(
            publicity_starts_at=Subquery(entered.values("at")[:1]),
            objection_count=Count("objections", distinct=True),
            upheld_count=Count(
                "objections",
                filter=Q(objections__outcome__in=[ObjectionOutcome.UPHELD, ObjectionOutcome.PARTLY_UPHELD]),
                distinct=True,
            ),
        )
    )


def publicity_list(*, tab: str = CURRENT, campaign: str = "") -> QuerySet[NodeApplication]:
    """公示中 (``CURRENT``: still in the publicity stage) or 公示结果 (``RESULTS``: moved on from it)."""
    queryset = _base()
    if campaign:
        queryset = queryset.filter(campaign__slug=campaign)
    if tab == RESULTS:
        return queryset.exclude(stage=Stage.PUBLICITY).order_by("-decided_at", "-publicity_ends_at", "reference")
    return queryset.filter(stage=Stage.PUBLICITY).order_by("publicity_ends_at", "reference")


def publicity_get(*, reference: str) -> NodeApplication | None:
    return _base().filter(reference=reference).first()


def accepts_objections(application: NodeApplication, *, now: datetime.datetime) -> bool:
    return application.stage == Stage.PUBLICITY and now < application.publicity_ends_at


def outcome_label(application: NodeApplication, *, now: datetime.datetime) -> str:
    """What the public reads as the state of one entry."""
    if application.stage == Stage.PUBLICITY:
        return str(_("公示中")) if now < application.publicity_ends_at else str(_("公示期满，待审定"))
    if application.stage in APPROVED_STAGES:
        return str(_("公示期满，批准建设"))
    if application.stage == Stage.REJECTED:
        return str(_("不予批准"))
    if application.stage == Stage.WITHDRAWN:
        return str(_("申报单位已撤回"))
    return application.get_stage_display()


def applicant_names(application: NodeApplication) -> list[str]:
    """The 实施主体 as the form names them: the lead unit, then the joint ones (the organisation if none given)."""
    names = [application.lead_name or application.organization.name]
    names += [unit["name"] for unit in application.joint_units if unit["name"]]
    return names


def area(application: NodeApplication) -> str:
    """区域 for a regional node, the industry (GB/T 4754 mid-category) for an industry node."""
    if application.region_id:
        return application.region.display_name
    if application.industry_id:
        return f"{application.industry.code} {application.industry.name}"
    return "—"
