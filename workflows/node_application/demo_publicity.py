"""Demo applications past expert review, so that a newcomer finds the public 公示 page filled from the workflow:

- one node under publicity now (公示中): 四川天府's industry application in the always-open Sichuan campaign, sent to
  publicity at the moment the demo data is loaded, its period running ``publicity_days`` from then;
- one finished publicity (公示结果): the Hebei regional application of 2026, publicised in March and approved for
  construction when its period ended.

Both go through the real services (reviews, experts' scores, the ministry's decisions), so the trail, tasks and
notifications are what the workflow writes. Called from ``demo.seed`` with the applications it created.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from organizations.models import User

from . import services
from .models import NodeApplication, ReviewTask, Stage, TaskKind, TaskStatus

SCORES = (Decimal("88.5"), Decimal("91.0"), Decimal("86.0"))


def _experts() -> list[User]:
    return list(User.objects.filter(username__in=["expert1", "expert2", "expert3"]).order_by("username"))


def _ministry() -> User | None:
    return User.objects.filter(authority__level="ministry", is_active=True).order_by("pk").first()


def _act(application: NodeApplication, kind: str, actor: User, decision: str, opinion: str, *, now) -> NodeApplication:
    task = ReviewTask.objects.get(application=application, kind=kind, status=TaskStatus.OPEN)
    return services.task_act(task=task, actor=actor, decision=decision, opinion=opinion, now=now)


def publicize(application: NodeApplication, *, now: datetime.datetime) -> NodeApplication:
    """From expert review (experts named) to publicity: each named expert scores, the ministry decides at ``now``."""
    ministry = _ministry()
    if application.stage != Stage.EXPERT_REVIEW or ministry is None:
        return application
    for expert, score in zip(_experts(), SCORES, strict=False):
        services.expert_score_submit(
            application=application, expert=expert, score=score, comment="（示例）方案完整，具备建设运营条件。", now=now
        )
    application.refresh_from_db()
    return _act(application, TaskKind.EXPERT_REVIEW, ministry, "publicize", "（示例）专家评审通过，进入公示。", now=now)


def approve_after_publicity(application: NodeApplication) -> NodeApplication:
    """The period over without objection, the ministry approves construction the moment it ends."""
    ministry = _ministry()
    if application.stage != Stage.PUBLICITY or ministry is None:
        return application
    when = application.publicity_ends_at
    return _act(application, TaskKind.PUBLICITY, ministry, "approve", "（示例）公示期满无异议，批准建设。", now=when)


def currently_publicized(application: NodeApplication) -> NodeApplication:
    """Under publicity now: sent to publicity at the real present (so its period contains today)."""
    return publicize(application, now=max(timezone.now(), application.updated_at))


def publicized_and_approved(application: NodeApplication, *, now: datetime.datetime) -> NodeApplication:
    """A finished publicity: sent to publicity at ``now`` (a past day), approved when the period ended."""
    application = publicize(application, now=now)
    if application.stage == Stage.PUBLICITY and application.publicity_ends_at <= timezone.now():
        application = approve_after_publicity(application)
    return application
