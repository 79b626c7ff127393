"""可调用: the access hand-off of an order (endpoint, account, credential or a reference to one).

The provider's staff (or its API key) attach it; it is sealed with Fernet (infra/sealing.py) under the
keys of ``settings.ORDER_ACCESS_KEYS`` — a MultiFernet: the first key encrypts, every key decrypts,
``access_rotate`` re-encrypts under the first. Only the buyer's authorised people see it in clear
(``access_may_reveal``): the person who bought, and members of the buyer organisation holding the
permission ``orders.view_order_credentials``. The provider sees that it is set and when, never the
values again; the audit trail records that it changed (``sealed`` is excluded, orders/audit.py).
"""

import json
from dataclasses import asdict, dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from infra import sealing

from . import selectors
from .models import Order, OrderAccess, OrderState

# The development-only key of portal/settings/dev.py and test.py (orders/checks.py warns when deployed).
DEV_KEY = "ZGV2LW9ubHktb3JkZXItYWNjZXNzLWtleS0wMDAwMDA="
OPEN_STATES = (OrderState.CONFIRMED, OrderState.ACTIVE)


@dataclass(frozen=True)
class AccessDetails:
    endpoint: str = ""
    account: str = ""
    credential: str = ""
    credential_ref: str = ""  # a reference to a credential kept elsewhere (a vault path, a key name)
    note: str = ""

    def __repr__(self) -> str:  # never the values, whatever logs or prints this object
        return "AccessDetails(<sealed>)"

    __str__ = __repr__


KEYS = "ORDER_ACCESS_KEYS"


def seal(details: AccessDetails) -> str:
    return sealing.seal(json.dumps(asdict(details), ensure_ascii=False).encode(), setting=KEYS)


def unseal(token: str) -> AccessDetails | None:
    """The details, or None when no configured key opens the token (a key was dropped too early)."""
    clear = sealing.unseal(token, setting=KEYS)
    if clear is None:
        return None
    data = json.loads(clear)
    return AccessDetails(**{key: str(data.get(key, "")) for key in AccessDetails.__dataclass_fields__})


def access_may_reveal(*, user, order: Order) -> bool:
    """The buyer's authorised people: who bought, or a member of the buyer organisation with the permission."""
    if not getattr(user, "is_authenticated", False):
        return False
    if order.buyer_user_id == user.pk:
        return True
    return (
        order.buyer_id is not None
        and user.organization_id == order.buyer_id
        and user.has_perm("orders.view_order_credentials")
    )


def access_reveal(*, user, order: Order) -> AccessDetails | None:
    """What the buyer's authorised person sees (None when nothing is attached); PermissionDenied for anyone else."""
    if not access_may_reveal(user=user, order=order):
        raise PermissionDenied
    access = OrderAccess.objects.filter(order=order).first()
    return unseal(access.sealed) if access else None


def access_attach(*, order: Order, actor, details: AccessDetails, provider=None) -> OrderAccess:
    """The provider attaches (or replaces) the access details of an open order. ``provider`` is given when
    an API key acts (its creator is ``actor``); otherwise the actor must be the order's provider staff."""
    if provider is not None:
        if provider.pk != order.provider_id:
            raise PermissionDenied
    elif not selectors.is_order_provider(user=actor, order=order):
        raise PermissionDenied
    errors = {}
    if not details.endpoint.strip():
        errors["endpoint"] = _("请填写接入地址。")
    if not (details.credential.strip() or details.credential_ref.strip()):
        errors["credential"] = _("请填写访问凭据，或凭据的引用（如密钥名称、保管库路径）。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.state not in OPEN_STATES:
            raise ValidationError(
                _("订单当前状态为“%(state)s”，不能提供接入信息。") % {"state": order.get_state_display()}
            )
        token = seal(details)
        access = OrderAccess.objects.filter(order=order).first()
        if access is None:
            return OrderAccess.objects.create(order=order, sealed=token, updated_by=actor)
        access.sealed = token
        access.revision += 1
        access.updated_by = actor
        access.save(update_fields=["sealed", "revision", "updated_by", "updated_at"])
        return access


def access_rotate(*, batch: int = 500) -> int:
    """Re-encrypt every sealed access under the first configured key; returns how many were rewritten."""
    count = 0
    for access in OrderAccess.objects.order_by("pk").iterator(chunk_size=batch):
        rotated = sealing.reseal(access.sealed, setting=KEYS)
        if rotated != access.sealed:
            OrderAccess.objects.filter(pk=access.pk).update(sealed=rotated)  # not a change of content: no audit
            count += 1
    return count
