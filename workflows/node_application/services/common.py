"""Shared helpers of the services: locking, the trail, notifications, task creation."""

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from organizations.models import User
from organizations.roles import Role

from ..models import (
    ApplicationEvent,
    NodeApplication,
    Notification,
    ReviewTask,
    TaskKind,
)

# Fields an applicant may edit in a draft (the whole of 附件2 / 附件3).

FORM_FIELDS = [
    "industry",
    "applicant_unit",
    "recommending_unit",
    "lead_name",
    "lead_address",
    "lead_uscc",
    "joint1_name",
    "joint1_address",
    "joint1_uscc",
    "joint2_name",
    "joint2_address",
    "joint2_uscc",
    "contact_name",
    "contact_gender",
    "contact_title",
    "contact_phone",
    "contact_email",
    "policy_environment",
    "basis",
    "construction_plan",
    "application_promotion",
    "safeguard_measures",
    "construction_entity",
    "operating_entity",
]
REQUIRED_ON_SUBMIT = [
    "lead_name",
    "lead_address",
    "lead_uscc",
    "contact_name",
    "contact_gender",
    "contact_title",
    "contact_phone",
    "contact_email",
    "policy_environment",
    "basis",
    "construction_plan",
    "application_promotion",
    "safeguard_measures",
    "construction_entity",
    "operating_entity",
]

# Decisions per task kind (value, label).
DECISIONS = {  # labels are lazy: evaluated in the language of the request
    TaskKind.NAME_PREREVIEW: [("approve", _l("同意行业名称")), ("return", _l("不同意，请调整行业名称"))],
    TaskKind.MUNICIPAL_REVIEW: [
        ("recommend", _l("推荐")),
        ("return", _l("退回修改")),
        ("not_recommend", _l("不予推荐")),
    ],
    TaskKind.PROVINCIAL_REVIEW: [("approve", _l("同意")), ("return", _l("退回修改"))],
    TaskKind.MINISTRY_SUBMISSION: [("submit", _l("形成复审意见并报送工业和信息化部"))],
    TaskKind.EXPERT_REVIEW: [("publicize", _l("评审通过，进入公示")), ("reject", _l("评审未通过"))],
    TaskKind.PUBLICITY: [("approve", _l("公示期满，批准")), ("reject", _l("不予批准"))],
    TaskKind.CONSTRUCTION: [("complete", _l("建设完成，进入对接联调"))],
    TaskKind.INTEGRATION_TESTING: [("pass", _l("联调通过，申请验收")), ("fail", _l("联调未通过，继续联调"))],
    TaskKind.ACCEPTANCE: [("accept", _l("验收通过")), ("fail", _l("验收未通过，整改后复验"))],
}
RETURN_DECISIONS = {"return", "not_recommend", "reject", "fail"}


def _now(now: datetime.datetime | None) -> datetime.datetime:
    return now or timezone.now()


def _actor_unit(actor: User | None) -> str:
    if actor is None:
        return ""
    affiliation = actor.authority or actor.organization
    return str(affiliation) if affiliation else ""


def _lock(application: NodeApplication) -> NodeApplication:
    return NodeApplication.objects.select_for_update().select_related("campaign").get(pk=application.pk)


def _record(
    *,
    application: NodeApplication,
    action: str,
    label: str,
    actor: User | None,
    from_stage: str = "",
    to_stage: str = "",
    opinion: str = "",
    task: ReviewTask | None = None,
    visible: bool = True,
    now: datetime.datetime,
) -> ApplicationEvent:
    return ApplicationEvent.objects.create(
        application=application,
        task=task,
        action=action,
        action_label=label,
        actor=actor,
        actor_unit=_actor_unit(actor),
        from_stage=from_stage,
        to_stage=to_stage,
        opinion=opinion,
        visible_to_applicant=visible,
        at=now,
    )


def _notify_applicant(*, application: NodeApplication, message: str) -> None:
    """In-app notification for every member of the applicant organisation, and an e-mail after commit."""
    members = list(
        User.objects.filter(
            organization_id=application.organization_id, is_active=True, groups__name=Role.APPLICANT.value
        )
    )
    Notification.objects.bulk_create(
        [Notification(user=u, application=application, message=message[:255]) for u in members]
    )
    recipients = [u.email for u in members if u.email]
    if recipients:
        subject = _("【节点申报】%(reference)s 办理进度更新") % {"reference": application.reference}

        def send() -> None:
            send_mail(subject, message, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=True)

        transaction.on_commit(send)


def _move(
    *,
    application: NodeApplication,
    to_stage: str,
    action: str,
    label: str,
    actor: User | None,
    now: datetime.datetime,
    opinion: str = "",
    task: ReviewTask | None = None,
    visible: bool = True,
) -> None:
    from_stage = application.stage
    application.stage = to_stage
    application.save(update_fields=["stage", "returned_from", "updated_at"])
    _record(
        application=application,
        action=action,
        label=label,
        actor=actor,
        from_stage=from_stage,
        to_stage=to_stage,
        opinion=opinion,
        task=task,
        visible=visible,
        now=now,
    )
    _notify_applicant(
        application=application,
        message=_("您的申报 %(reference)s 当前环节：%(stage)s。")
        % {"reference": application.reference, "stage": application.applicant_stage_label},
    )


def _province_code(application: NodeApplication) -> str:
    return application.division_code[:2] + "0000"
