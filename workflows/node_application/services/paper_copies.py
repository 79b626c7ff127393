"""Paper copies (纸质材料): the reviewer who received them registers the receipt (date, count, receiver); an
application whose copies have not been registered by the campaign's deadline is abandoned
("逾期未报送的视为自动放弃申报") by the worker's periodic ``paper_copies_abandon_overdue``.

Receipt can be registered at any stage between submission and the ministry submission (Sichuan's cities
collect the copies with the electronic application; Guangdong's province at its own step): registered
early, the flow's ``paper_copies`` step is skipped; registered while the application waits at that step,
the step completes with it.
"""

import datetime
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.models import AuthorityLevel, User

from .. import selectors
from ..campaign_rules import rules_for
from ..deadlines import shanghai_start_of_day
from ..models import (
    BEFORE_MINISTRY_STAGES,
    NodeApplication,
    ReviewTask,
    Stage,
    TaskKind,
    TaskStatus,
    format_deadline,
)
from .common import _notify_applicant, _now, _record
from .process import application_close, locked

logger = logging.getLogger(__name__)


def registers_paper_copies(user: User) -> bool:
    """A city or provincial reviewer (where the application is theirs is checked separately)."""
    return selectors.is_reviewer(user) and user.authority.level in (AuthorityLevel.CITY, AuthorityLevel.PROVINCE)


def paper_copies_can_register(*, user: User, application: NodeApplication) -> bool:
    """A city or provincial reviewer whose jurisdiction holds the application (404 for everyone else)."""
    if not registers_paper_copies(user):
        return False
    return selectors.application_list_for_user(user=user).filter(pk=application.pk).exists()


def paper_copies_pending(application: NodeApplication) -> bool:
    """The campaign (as frozen for this application) asks for paper copies and none are registered yet."""
    return (
        rules_for(application).has_paper_copies
        and application.paper_copies_received_on is None
        and application.stage in BEFORE_MINISTRY_STAGES
    )


def _receipt_errors(
    *, application: NodeApplication, received_on, count, receiver: str, now: datetime.datetime
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    deadline = application.campaign.paper_copies_deadline
    if received_on is None:
        errors["received_on"] = [_("请填写收到日期。")]
    elif received_on > timezone.localtime(now).date():
        errors["received_on"] = [_("收到日期不能晚于今天。")]
    elif (
        deadline is not None and shanghai_start_of_day(received_on.year, received_on.month, received_on.day) >= deadline
    ):
        errors["received_on"] = [
            _("纸质材料报送已于 %(deadline)s（北京时间）截止，逾期收到的视为自动放弃申报。")
            % {"deadline": format_deadline(deadline)}
        ]
    required = rules_for(application).paper_copies_count
    if count is None or count < 1:
        errors["count"] = [_("请填写收到的份数。")]
    elif required and count < required:
        errors["count"] = [
            _("本批次须报送纸质材料 %(required)s 份，收到 %(count)s 份，份数不足。")
            % {"required": required, "count": count}
        ]
    if not (receiver or "").strip():
        errors["receiver"] = [_("请填写接收人姓名。")]
    return errors


def paper_copies_receive(
    *,
    application: NodeApplication,
    actor: User,
    received_on: datetime.date | None,
    count: int | None,
    receiver: str,
    now: datetime.datetime | None = None,
) -> NodeApplication:
    """Register the receipt of the paper copies; completes the ``paper_copies`` step when the application waits
    there. Field errors (``received_on``, ``count``, ``receiver``) change nothing."""
    now = _now(now)
    if not paper_copies_can_register(user=actor, application=application):
        raise PermissionDenied(_("只有属地审核部门可以登记纸质材料。"))
    with transaction.atomic(), locked(application) as application:
        if not rules_for(application).has_paper_copies:
            raise ValidationError(_("本批次不要求报送纸质材料。"))
        if application.paper_copies_received_on is not None:
            raise ValidationError(_("纸质材料已登记收到，不能重复登记。"))
        if application.stage not in BEFORE_MINISTRY_STAGES:
            raise ValidationError(_("当前环节不能登记纸质材料。"))
        errors = _receipt_errors(
            application=application, received_on=received_on, count=count, receiver=receiver, now=now
        )
        if errors:
            raise ValidationError(errors)
        application.paper_copies_received_on = received_on
        application.paper_copies_count = count
        application.paper_copies_receiver = receiver.strip()[:64]
        application.paper_copies_received_at = now
        application.paper_copies_recorded_by = actor
        application.save(
            update_fields=[
                "paper_copies_received_on",
                "paper_copies_count",
                "paper_copies_receiver",
                "paper_copies_received_at",
                "paper_copies_recorded_by",
                "updated_at",
            ]
        )
        summary = _("收到日期 %(on)s，%(count)s 份，接收人 %(receiver)s") % {
            "on": f"{received_on:%Y-%m-%d}",
            "count": count,
            "receiver": application.paper_copies_receiver,
        }
        task = (
            ReviewTask.objects.select_for_update()
            .filter(application=application, kind=TaskKind.PAPER_COPIES, status=TaskStatus.OPEN)
            .first()
        )
        if application.stage == Stage.PAPER_COPIES and task is not None and task.workflow_task_id:
            workflow_task = task.workflow_task
            workflow_task.flow_task.run(
                workflow_task,
                review_task=task,
                application=application,
                actor=actor,
                decision="received",
                opinion=summary,
                now=now,
            )
        else:
            _record(
                application=application,
                action="paper_copies:received",
                label=_("纸质材料已收到"),
                actor=actor,
                opinion=summary,
                now=now,
            )
            _notify_applicant(
                application=application,
                message=_("您的申报 %(reference)s 的纸质材料已收到（%(summary)s）。")
                % {"reference": application.reference, "summary": summary},
            )
    application.refresh_from_db()
    return application


def overdue_ids(*, now: datetime.datetime) -> list[int]:
    """Submitted applications not yet reported to the ministry, without registered paper copies, whose campaign's
    paper-copies deadline has passed (the frozen rules of each decide whether paper copies were asked)."""
    candidates = NodeApplication.objects.filter(
        stage__in=BEFORE_MINISTRY_STAGES,
        submitted_at__isnull=False,
        paper_copies_received_on__isnull=True,
        campaign__paper_copies_deadline__lte=now,
    ).select_related("campaign", "rules_version")
    return [application.pk for application in candidates.order_by("pk") if rules_for(application).has_paper_copies]


def paper_copies_abandon_overdue(*, now: datetime.datetime | None = None) -> int:
    """Abandon every overdue application (see ``overdue_ids``); returns how many. One failure does not stop the
    others (the next run tries again)."""
    now = _now(now)
    count = 0
    for pk in overdue_ids(now=now):
        try:
            if application_abandon(application=NodeApplication.objects.get(pk=pk), now=now):
                count += 1
        except Exception:
            logger.exception("abandoning application %s failed", pk)
    return count


def application_abandon(*, application: NodeApplication, now: datetime.datetime) -> bool:
    """Under the process lock: re-check, cancel the open review tasks and the Viewflow process, move to
    视为自动放弃 (trail entry, auditlog, the applicant notified with the campaign's text); False if no longer due."""
    with transaction.atomic(), locked(application) as application:
        deadline = application.campaign.paper_copies_deadline
        if not paper_copies_pending(application) or deadline is None or now < deadline:
            return False
        application_close(
            application=application,
            to_stage=Stage.ABANDONED,
            action="paper_copies:abandoned",
            label=_("纸质材料逾期未报送，视为自动放弃申报"),
            actor=None,
            now=now,
            opinion=_("纸质材料报送截止：%(deadline)s（北京时间），截止时审核部门尚未登记收到。")
            % {"deadline": format_deadline(deadline)},
        )
    return True
