"""Objections during publicity (公示异议): lodged by anyone on the public 公示 page or recorded by the ministry,
handled by the ministry. Publicity cannot end in approval while one is unhandled (``review._publicity``)."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from organizations.models import AuthorityLevel, User

from .. import deadlines, selectors
from ..models import (
    NodeApplication,
    Objection,
    ObjectionChannel,
    ObjectionOutcome,
    ReviewTask,
    Stage,
    TaskKind,
    TaskStatus,
)
from ..uploads import check_evidence
from .common import _lock, _notify_task_reviewers, _now, _record


def _is_ministry(actor: User) -> bool:
    return selectors.is_reviewer(actor) and actor.authority.level == AuthorityLevel.MINISTRY


def _ensure_in_publicity(application: NodeApplication, *, now: datetime.datetime) -> None:
    if application.stage != Stage.PUBLICITY:
        raise ValidationError(_("该申报不在公示期。"), code="not_in_publicity")
    deadlines.ensure_before(application.publicity_ends_at, now=now, what=_("公示期异议"))


@transaction.atomic
def objection_submit_public(
    *,
    application: NodeApplication,
    name: str,
    organization_name: str = "",
    phone: str = "",
    email: str = "",
    content: str,
    attachment: UploadedFile | None = None,
    now: datetime.datetime | None = None,
) -> Objection:
    """Anyone lodges an objection on the public 公示 page while the period runs. It reaches the ministry's publicity
    task; the trail records it without the objector's contact details (the applicant does not see it)."""
    now = _now(now)
    name, content = name.strip(), content.strip()
    phone, email = phone.strip(), email.strip()
    if not name:
        raise ValidationError({"name": _("请填写异议人姓名。")})
    if not content:
        raise ValidationError({"content": _("请填写异议事项及理由。")})
    if not (phone or email):
        raise ValidationError({"phone": _("请至少填写联系电话或电子邮箱中的一项。")})
    extra = {}
    if attachment is not None:
        try:
            detected, digest = check_evidence(attachment)
        except ValidationError as error:
            raise ValidationError({"attachment": error.messages}) from None
        extra = {
            "attachment_name": attachment.name[-255:],
            "attachment_type": detected,
            "attachment_sha256": digest,
        }
    application = _lock(application)
    _ensure_in_publicity(application, now=now)
    objection = Objection(
        application=application,
        channel=ObjectionChannel.PUBLIC,
        lodged_by=name[:128],
        organization_name=organization_name.strip()[:128],
        phone=phone[:32],
        email=email,
        content=content,
        lodged_at=now,
        **extra,
    )
    if attachment is not None:
        stored = f"{application.reference}-objection.{extra['attachment_type']}"
        objection.attachment.save(stored, attachment, save=False)
    objection.save()
    _record(
        application=application,
        action="objection",
        label=_("收到公示异议（公众在线提交）"),
        actor=None,
        opinion=content,
        visible=False,
        now=now,
    )
    _tell_the_ministry(objection)
    return objection


def _tell_the_ministry(objection: Objection) -> None:
    """The ministry reviewers who handle the application's publicity task are told of a new public objection, once
    (in their notifications and by e-mail), with the way to the task; the grounds are read on the task page."""
    application = objection.application
    task = ReviewTask.objects.filter(application=application, kind=TaskKind.PUBLICITY, status=TaskStatus.OPEN).first()
    if task is None:
        return
    values = {"reference": application.reference, "title": application.title}
    subject = _("【节点公示】%(reference)s 收到公示异议") % values
    url = settings.NODE_PUBLIC_URL + reverse("node_application:task", args=[task.pk])
    message = _(
        "%(reference)s（%(title)s）公示期间收到一件公众异议（异议人：%(name)s），请在公示期满前核查处理：%(url)s"
    ) % {**values, "name": objection.lodged_by, "url": url}
    _notify_task_reviewers(task=task, subject=subject, message=message)


@transaction.atomic
def objection_lodge(
    *, application: NodeApplication, actor: User, lodged_by: str, content: str, now: datetime.datetime | None = None
) -> Objection:
    """The ministry records an objection received during publicity by another channel (letter, telephone)."""
    now = _now(now)
    if not _is_ministry(actor):
        raise PermissionDenied(_("公示异议由工业和信息化部登记。"))
    application = _lock(application)
    _ensure_in_publicity(application, now=now)
    if not content.strip() or not lodged_by.strip():
        raise ValidationError({"content": _("请填写异议人和异议内容。")})
    objection = Objection.objects.create(
        application=application,
        channel=ObjectionChannel.MINISTRY,
        lodged_by=lodged_by.strip(),
        content=content.strip(),
        lodged_at=now,
    )
    _record(
        application=application,
        action="objection",
        label=_("收到公示异议"),
        actor=actor,
        opinion=content.strip(),
        visible=True,
        now=now,
    )
    return objection


@transaction.atomic
def objection_resolve(
    *,
    objection: Objection,
    actor: User,
    resolution: str,
    outcome: str,
    now: datetime.datetime | None = None,
) -> Objection:
    """The ministry records how an objection was handled: its conclusion and the handling. An objector who left an
    e-mail address is told."""
    now = _now(now)
    if not _is_ministry(actor):
        raise PermissionDenied(_("公示异议由工业和信息化部处理。"))
    objection = Objection.objects.select_for_update().select_related("application").get(pk=objection.pk)
    if objection.resolved_at:
        raise ValidationError(_("该异议已处理。"))
    errors = {}
    if outcome not in ObjectionOutcome.values:
        errors["outcome"] = _("请选择核查结论。")
    if not resolution.strip():
        errors["resolution"] = _("请填写处理结果。")
    if errors:
        raise ValidationError(errors)
    objection.outcome = outcome
    objection.resolution = resolution.strip()
    objection.resolved_by = actor
    objection.resolved_at = now
    objection.save(update_fields=["outcome", "resolution", "resolved_by", "resolved_at"])
    _record(
        application=objection.application,
        action="objection_resolved",
        label=_("公示异议已处理：%(outcome)s") % {"outcome": objection.get_outcome_display()},
        actor=actor,
        opinion=objection.resolution,
        visible=objection.channel == ObjectionChannel.MINISTRY,
        now=now,
    )
    if objection.email:
        subject = _("【节点公示】您对 %(title)s 提出的异议已处理") % {"title": objection.application.title}
        body = f"{subject}\n{_('核查结论')}：{objection.get_outcome_display()}\n{objection.resolution}"
        recipient = objection.email
        transaction.on_commit(
            lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient], fail_silently=True)
        )
    return objection
