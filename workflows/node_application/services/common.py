"""Shared helpers of the services: locking, the trail, notifications, task creation."""

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.models import User
from organizations.roles import Role

from .. import selectors
from ..campaign_rules import rules_for
from ..form_content import FACILITY_FIELDS
from ..models import (
    ApplicationEvent,
    NodeApplication,
    Notification,
    ReviewTask,
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
    *FACILITY_FIELDS,
    "national_registration_no",
    "national_registration_on",
]
# Asked only where the campaign demands the national-platform registration (``CampaignRules.national_registration_for``)
NATIONAL_REGISTRATION_FIELDS = ("national_registration_no", "national_registration_on")
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
    "applicant_unit",
]

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


def _notify_task_reviewers(*, task: ReviewTask, subject: str, message: str) -> list[User]:
    """In-app notification and an e-mail after commit for every active reviewer who may act on ``task`` (its level,
    department and jurisdiction: ``selectors.task_can_act``). Returns them."""
    candidates = User.objects.filter(is_active=True, authority__level=task.level).select_related("authority")
    if task.department:
        candidates = candidates.filter(authority__department=task.department)
    reviewers = [user for user in candidates.order_by("pk") if selectors.task_can_act(user=user, task=task)]
    Notification.objects.bulk_create(
        [Notification(user=u, application=task.application, message=message[:255]) for u in reviewers]
    )
    recipients = [u.email for u in reviewers if u.email]
    if recipients:

        def send() -> None:
            send_mail(subject, message, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=True)

        transaction.on_commit(send)
    return reviewers


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
    _notify_applicant(application=application, message=stage_message(application=application, opinion=opinion))


def stage_message(*, application: NodeApplication, opinion: str = "") -> str:
    """What the applicant is told on entering its current stage: the campaign's own text for that stage (as frozen
    with the application's rules version once submitted), with its placeholders filled, or the standard sentence."""
    custom = rules_for(application).notification_text(application.stage)
    values = {
        "reference": application.reference,
        "title": str(application.title),
        "stage": application.applicant_stage_label,
        "campaign": application.campaign.name,
        "organization": str(application.organization),
        "opinion": opinion,
    }
    if custom:
        return custom.format_map(values)
    return _("您的申报 %(reference)s 当前环节：%(stage)s。") % values


def _province_code(application: NodeApplication) -> str:
    return application.division_code[:2] + "0000"
