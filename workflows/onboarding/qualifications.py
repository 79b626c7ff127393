"""The reseller's 转售调度资格 where a reseller acts (issue 16 item 2): one check, one clear message.

Every action a reseller takes as a reseller (a demand on behalf of a customer organisation, managing it)
calls ``reseller_qualification_require`` at the moment of acting, so an expiry or a revocation stops the
next action at once.
"""

import datetime

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Provider
from changes.services import change_append
from organizations.models import User
from organizations.roles import Role

from .models import OnboardingEvent, ResellerQualification
from .selectors import reseller_qualification_current

# A qualification granted or revoked changes which resale offers the catalogue pages show: the feed row drops
# the cached anonymous catalogue pages of every process (portal.cache_invalidation); no other consumer reads it.
FEED_TYPE = "reseller_qualification"


def reseller_qualification_require(*, user: User, field: str | None = None, on: datetime.date | None = None):
    """The user's organisation holds a current qualification; otherwise a ValidationError saying why."""
    on = on or timezone.localdate()
    provider = Provider.objects.filter(organization_id=getattr(user, "organization_id", None)).first()
    current = reseller_qualification_current(provider=provider, on=on) if provider else None
    if current is not None:
        return current
    last = (
        ResellerQualification.objects.filter(provider=provider).order_by("-valid_until").first() if provider else None
    )
    if last is None:
        message = _("您的单位尚未取得算力转售调度资格，不能代客户提交或管理需求。请先在“入网入市与资格认证”中申请。")
    elif last.revoked_at is not None:
        message = _("您单位的算力转售调度资格（%(number)s）已于 %(day)s 被撤销，不能再代客户提交或管理需求。") % {
            "number": last.number,
            "day": timezone.localtime(last.revoked_at).date().isoformat(),
        }
    else:
        message = _(
            "您单位的算力转售调度资格（%(number)s）已于 %(day)s 到期，不能再代客户提交或管理需求。请重新申请资格。"
        ) % {
            "number": last.number,
            "day": last.valid_until.isoformat(),
        }
    raise ValidationError({field: message} if field else message)


def reseller_qualification_standing(*, qualification: ResellerQualification, on: datetime.date | None = None) -> bool:
    """Not revoked and ``on`` (today) inside its period."""
    on = on or timezone.localdate()
    return qualification.revoked_at is None and qualification.valid_from <= on <= qualification.valid_until


@transaction.atomic
def reseller_qualification_revoke(
    *, qualification: ResellerQualification, reason: str, actor: User | None = None
) -> ResellerQualification:
    """Revoke a qualification now (the node operator, with an opinion); it stops counting at once.

    Audited twice: the qualification's change in the audit log (who, when, before/after) and, when it came from
    the qualification process, an entry in that process's trail with the opinion. The reseller's people are
    told by email at once (after commit); its offers leave the public list when next read.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写撤销意见。")})
    qualification = ResellerQualification.objects.select_for_update().get(pk=qualification.pk)
    if qualification.revoked_at is not None:
        raise ValidationError(_("该转售调度资格已被撤销，不能重复撤销。"))
    qualification.revoked_at = timezone.now()
    qualification.revoked_reason = reason
    qualification.save(update_fields=["revoked_at", "revoked_reason"])
    # the public directory shows the qualification still standing, if any
    standing = ResellerQualification.objects.filter(provider_id=qualification.provider_id, revoked_at__isnull=True)
    Provider.objects.filter(pk=qualification.provider_id).update(
        reseller_qualified_until=standing.order_by("-valid_until").values_list("valid_until", flat=True).first()
    )
    change_append(record_type=FEED_TYPE, record_id=qualification.pk, kind="revoked")
    if qualification.application_id:
        OnboardingEvent.objects.create(
            process_id=qualification.application.process_id,
            action=_("撤销转售调度资格 %(number)s") % {"number": qualification.number},
            actor=actor,
            opinion=reason,
        )
    _revocation_mail(qualification)
    return qualification


def _revocation_mail(qualification: ResellerQualification) -> None:
    provider = Provider.objects.select_related("organization").get(pk=qualification.provider_id)
    people = User.objects.filter(organization_id=provider.organization_id, is_active=True).exclude(email="")
    applicant = qualification.application.submitted_by_id if qualification.application_id else None
    recipients = sorted(
        set(people.filter(Q(groups__name=Role.RESELLER.value) | Q(pk=applicant)).values_list("email", flat=True))
    )
    if not recipients:
        return
    subject = _("【转售调度资格】%(number)s 已被撤销") % {"number": qualification.number}
    body = _(
        "%(org)s：节点运营人员已于 %(day)s 撤销贵单位的算力转售调度资格（%(number)s），即时生效。\n"
        "撤销意见：%(reason)s\n"
        "自即日起不能再代客户提交或管理需求，转售报价停止在公开目录中展示。如有异议，请联系节点运营人员。"
    ) % {
        "org": provider.organization.name,
        "day": timezone.localtime(qualification.revoked_at).date().isoformat(),
        "number": qualification.number,
        "reason": qualification.revoked_reason,
    }
    transaction.on_commit(lambda: send_mail(subject, body, None, recipients, fail_silently=True))
