"""Demands on behalf of a customer organisation (issue 16 item 2): only a reseller whose 转售调度资格
stands today may name a customer, in the pages and over the API alike; checked at the moment of acting."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from organizations.models import Organization, User
from organizations.predicates import is_reseller
from workflows.onboarding.qualifications import reseller_qualification_require


def reseller_may_act(*, user: User, field: str | None) -> None:
    """A demand on behalf of a customer: the user is a reseller whose organisation is qualified today."""
    if not is_reseller(user):
        message = _("只有算力转售调度服务商可以代客户提交或管理需求。")
        raise ValidationError({field: message} if field else message)
    reseller_qualification_require(user=user, field=field)


def demand_customer_resolve(*, user: User, uscc: str) -> Organization:
    """The customer a reseller names by USCC: first the right to name one at all (role and a qualification
    standing today), then the organisation itself; field-level errors under ``customer_uscc``."""
    reseller_may_act(user=user, field="customer_uscc")
    customer = Organization.objects.filter(uscc=uscc).first()
    if customer is None:
        raise ValidationError({"customer_uscc": _("没有以该统一社会信用代码注册认证的客户单位。")})
    if customer.pk == user.organization_id:
        raise ValidationError({"customer_uscc": _("为本单位提交需求时不填写客户单位。")})
    return customer
