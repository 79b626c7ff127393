"""Operator notice when a provider's own status push reports fewer units than are allocated to orders.

The push is accepted (the provider knows its machines); the operators are told once per resource, and
again only after the resource was back in order in between. The state is kept in the audit trail
(django-auditlog entries on the resource's ``Capacity`` row whose ``additional_data`` says
``over_allocated: flagged`` or ``resolved``), so the notice is visible there and survives restarts without a
new table. Run by the periodic holds task (orders/tasks.py), every 30 seconds.
"""

import logging

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from organizations.models import User
from organizations.roles import Role

from . import selectors
from .models import Capacity

log = logging.getLogger(__name__)

FLAGGED, RESOLVED = "flagged", "resolved"


def _recipients() -> list[str]:
    operators = User.objects.filter(groups__name=Role.NODE_OPERATOR.value, is_active=True).exclude(email="")
    return sorted(set(operators.values_list("email", flat=True)) | set(settings.SECURITY_ALERT_EMAILS))


def _flag_states() -> dict[int, str]:
    """The last over-allocation mark of every capacity row that has one (resource id -> flagged/resolved)."""
    entries = (
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Capacity), additional_data__has_key="over_allocated"
        )
        .order_by("object_id", "timestamp", "pk")
        .values_list("object_id", "additional_data")
    )
    return {object_id: data["over_allocated"] for object_id, data in entries}


def _mark(row: Capacity, state: str, changes: dict) -> None:
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Capacity),
        object_pk=str(row.pk),
        object_id=row.pk,
        object_repr=str(row),
        action=LogEntry.Action.UPDATE,
        changes=changes,
        additional_data={"over_allocated": state},
        timestamp=timezone.now(),
    )


def over_allocation_notify() -> dict[str, int]:
    """Flag (and mail the operators about) resources newly reported below their allocation; mark the ones back
    in order as resolved. Returns how many were flagged and resolved in this run."""
    states = _flag_states()
    over = list(selectors.over_allocated())
    flagged = [row for row in over if states.get(row.pk) != FLAGGED]
    over_ids = {row.pk for row in over}
    resolved = [pk for pk, state in states.items() if state == FLAGGED and pk not in over_ids]
    with transaction.atomic():
        for row in flagged:
            reported = row.resource.available_units
            _mark(row, FLAGGED, {"available_units": [str(row.allocated_units), str(reported)]})
        for row in Capacity.objects.filter(pk__in=resolved):
            _mark(row, RESOLVED, {})
        if flagged:
            _send(flagged)
    return {"flagged": len(flagged), "resolved": len(resolved)}


def _send(rows: list[Capacity]) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            _("“%(name)s”（%(provider)s）：上报可用 %(reported)s，已分配给订单 %(allocated)s（按计费单位）")
            % {
                "name": row.resource.name,
                "provider": row.resource.provider.organization.name,
                "reported": row.resource.available_units,
                "allocated": row.allocated_units,
            }
            for row in rows
        ]
        subject = _("【运营提示】%(node)s：%(count)s 个资源上报余量低于已分配") % {
            "node": settings.NODE_NAME,
            "count": len(rows),
        }
        body = "\n".join(
            [
                _("服务商上报的状态已接受，但可用数量低于已分配给订单的数量，请核实："),
                *lines,
                _("在管理后台“资源占用”中按“上报数量低于已分配”筛选查看。"),
            ]
        )
    recipients = _recipients()
    log.warning("%s", subject)
    if recipients:
        transaction.on_commit(lambda: send_mail(subject, body, None, recipients, fail_silently=True))
