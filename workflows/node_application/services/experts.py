"""Ministry expert review: the ministry names the experts of an application; each scores only their own."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from organizations.models import AuthorityLevel, User

from .. import selectors
from ..models import ExpertAssignment, ExpertScore, NodeApplication, Stage
from .common import _lock, _now, _record


@transaction.atomic
def expert_assign(
    *, application: NodeApplication, actor: User, experts: list[User], now: datetime.datetime | None = None
) -> list[ExpertAssignment]:
    """The ministry names experts for one application in expert review (already named ones are kept)."""
    now = _now(now)
    if not (selectors.is_reviewer(actor) and actor.authority.level == AuthorityLevel.MINISTRY):
        raise PermissionDenied(_("评审专家由工业和信息化部指派。"))
    application = _lock(application)
    if application.stage != Stage.EXPERT_REVIEW:
        raise ValidationError(_("该申报不在专家评审环节。"))
    if not experts:
        raise ValidationError({"experts": _("请选择评审专家。")})
    if any(not selectors.is_expert(expert) for expert in experts):
        raise ValidationError({"experts": _("只能指派评审专家。")})
    have = set(application.expert_assignments.values_list("expert_id", flat=True))
    created = [
        ExpertAssignment.objects.create(application=application, expert=expert, assigned_by=actor, assigned_at=now)
        for expert in experts
        if expert.pk not in have
    ]
    if created:
        _record(
            application=application,
            action="expert_assign",
            label=_("指派评审专家"),
            actor=actor,
            opinion="、".join(str(a.expert) for a in created),
            visible=False,
            now=now,
        )
    return created


@transaction.atomic
def expert_score_submit(
    *,
    application: NodeApplication,
    expert: User,
    score: Decimal,
    comment: str = "",
    now: datetime.datetime | None = None,
) -> ExpertScore:
    """An assigned expert scores the application once (0–100); the average is computed at the decision."""
    now = _now(now)
    if not selectors.is_expert(expert):
        raise PermissionDenied(_("只有评审专家可以评分。"))
    application = _lock(application)
    if not application.expert_assignments.filter(expert=expert).exists():
        raise PermissionDenied(_("您未被指派评审该申报。"))
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
