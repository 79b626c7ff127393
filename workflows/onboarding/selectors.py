"""Reads of the onboarding processes: who sees which process and which task."""

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from catalog.models import Identifier, Provider
from federation.models import OutboxMessage
from organizations.models import User

from .models import Decision, OnboardingEvent, ResellerQualification

OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


def _is_operator(user: User) -> bool:
    return user.is_authenticated and user.has_perm("onboarding.certify")


def process_get_for_user(*, user: User, flow_class, pk: int):
    """The process if the user may see it: operators see every one, an organisation its own (else None)."""
    process = flow_class.process_class.objects.filter(pk=pk, flow_class=flow_class).first()
    if process is None or not user.is_authenticated:
        return None
    request = getattr(process, process.request_attr, None) if hasattr(process, "request_attr") else None
    if request is None:
        return None
    if _is_operator(user) or (user.organization_id and request.organization_id == user.organization_id):
        return process
    return None


def process_list_for_user(*, user: User, flow_class, limit: int = 50) -> list:
    """The processes the user may see, newest first."""
    processes = flow_class.process_class.objects.filter(flow_class=flow_class).order_by("-created")
    attr = flow_class.process_class.request_attr
    if not _is_operator(user):
        if not user.organization_id:
            return []
        processes = processes.filter(**{f"{attr}__organization_id": user.organization_id})
    return list(processes.select_related(attr, *flow_class.process_class.list_related)[:limit])


def process_status_label(*, process) -> str:
    """The process's status as the applicant and the operator read it (申请记录, the process page): 办理中,
    退回补充材料, 已通过 (已通过，资格已撤销 once a granted qualification is revoked), 未通过 or 已取消."""
    request = process.request
    if process.status == STATUS.DONE:
        if request.decision != Decision.APPROVE:
            return gettext("未通过")
        qualification = getattr(request, "qualification", None)  # the reseller flow's grant; the others have none
        return gettext("已通过，资格已撤销") if qualification and qualification.revoked_at else gettext("已通过")
    if process.status == STATUS.CANCELED:
        return gettext("已取消")
    return gettext("退回补充材料") if request.decision == Decision.RETURN else gettext("办理中")


def task_may_act(*, user: User, task: Task) -> bool:
    """The user is the task's owner, or may take it (its permission, e.g. the node operators')."""
    if task.status not in OPEN or not user.is_authenticated:
        return False
    if task.owner_id:
        return task.owner_id == user.pk
    return bool(task.flow_task.can_assign(user, task))


def task_list_for_user(*, user: User, flow_classes) -> list[Task]:
    """Open human tasks of these flows the user may act on, oldest first."""
    tasks: QuerySet = (
        Task.objects.filter(process__flow_class__in=list(flow_classes), status__in=OPEN)
        .select_related("process", "owner")
        .order_by("created")
    )
    return [task for task in tasks if hasattr(task.flow_task, "can_assign") and task_may_act(user=user, task=task)]


def event_list(*, process) -> QuerySet:
    return OnboardingEvent.objects.filter(process=process).select_related("actor")


def reseller_qualification_current(
    *, provider: Provider, on: datetime.date | None = None
) -> ResellerQualification | None:
    """The qualification valid on ``on`` (today in Asia/Shanghai by default); None: not qualified."""
    on = on or timezone.localdate()
    return (
        ResellerQualification.objects.filter(
            provider=provider, valid_from__lte=on, valid_until__gte=on, revoked_at__isnull=True
        )
        .order_by("-valid_until")
        .first()
    )


def reseller_is_qualified(*, provider: Provider, on: datetime.date | None = None) -> bool:
    return reseller_qualification_current(provider=provider, on=on) is not None


def provider_identifier_list(*, provider: Provider) -> list[dict]:
    """The provider's identifiers with where their filing with the national node stands."""
    identifiers = list(
        Identifier.objects.filter(
            Q(resource__provider=provider) | Q(line__provider=provider) | Q(app_service__provider=provider)
        ).order_by("code")
    )
    messages = {
        message.payload.get("identifier"): message
        for message in OutboxMessage.objects.filter(
            idempotency_key__in=[f"identifier_filing:{identifier.code}" for identifier in identifiers]
        )
    }
    return [{"identifier": identifier, "filing": messages.get(identifier.code)} for identifier in identifiers]
