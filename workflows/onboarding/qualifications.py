"""The reseller's 转售调度资格 where a reseller acts (issue 16 item 2): one check, one clear message.

Every action a reseller takes as a reseller (a demand on behalf of a customer organisation, managing it)
calls ``reseller_qualification_require`` at the moment of acting, so an expiry or a revocation stops the
next action at once.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Provider
from organizations.models import User

from .models import ResellerQualification
from .selectors import reseller_qualification_current


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


@transaction.atomic
def reseller_qualification_revoke(*, qualification: ResellerQualification, reason: str) -> ResellerQualification:
    """Revoke a qualification now (the node operator, e.g. from the back office); it stops counting at once."""
    qualification = ResellerQualification.objects.select_for_update().get(pk=qualification.pk)
    if qualification.revoked_at is None:
        qualification.revoked_at = timezone.now()
        qualification.revoked_reason = reason
        qualification.save(update_fields=["revoked_at", "revoked_reason"])
        # the public directory shows the qualification still standing, if any
        standing = ResellerQualification.objects.filter(provider_id=qualification.provider_id, revoked_at__isnull=True)
        Provider.objects.filter(pk=qualification.provider_id).update(
            reseller_qualified_until=standing.order_by("-valid_until").values_list("valid_until", flat=True).first()
        )
    return qualification
