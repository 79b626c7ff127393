"""Demo applications past expert review, so that a newcomer finds the public 公示 page filled from the workflow:

- one node under publicity now (公示中): 四川天府's industry application in the always-open Sichuan campaign, sent to
  publicity at the moment the demo data is loaded, its period running ``publicity_days`` from then;
- one finished publicity (公示结果): the Hebei regional application of 2026, publicised in March and approved for
  construction when its period ended.

Both go through the real services (reviews, experts' scores, the ministry's decisions), so the trail, tasks and
notifications are what the workflow writes. Called from ``demo.seed`` with the applications it created.

``make run`` seeds on every start: ``keep_current`` then rolls the publicity period of a demo entry whose period has
run out (or nearly) forward to start now, so a newcomer on any later day still finds a node under publicity. It moves
dates only (the entry into publicity in the trail, the period's end, the ministry's publicity task's due date); it
creates no row.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from organizations.models import User

from . import services
from .models import ApplicationEvent, NodeApplication, ReviewTask, Stage, TaskKind, TaskStatus

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


# A demo entry is rolled forward when less than this is left of its period.
KEEP_AT_LEAST = datetime.timedelta(days=1)


def keep_current(application: NodeApplication, *, now: datetime.datetime) -> bool:
    """Roll a demo application still under publicity forward so its period runs from ``now`` (see the module doc);
    False when it is not under publicity or has at least ``KEEP_AT_LEAST`` left. Demo data only."""
    if application.stage != Stage.PUBLICITY or application.publicity_ends_at is None:
        return False
    if application.publicity_ends_at - now >= KEEP_AT_LEAST:
        return False
    ends_at = now + datetime.timedelta(days=application.campaign.publicity_days)
    entered = ApplicationEvent.objects.filter(application=application, to_stage=Stage.PUBLICITY).order_by("-at").first()
    # plain updates: moving the demo's clock is not a business action (no audit entry, no feed, no notice)
    if entered is not None:
        ApplicationEvent.objects.filter(pk=entered.pk).update(at=now)
    NodeApplication.objects.filter(pk=application.pk).update(publicity_ends_at=ends_at)
    ReviewTask.objects.filter(application=application, kind=TaskKind.PUBLICITY, status=TaskStatus.OPEN).update(
        due_at=ends_at
    )
    return True
