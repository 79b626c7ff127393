"""Holds across nodes, the owning node's side: its upstream node asks to hold one of its resources for a
buyer there (``network_hold_receive``); its provider confirms or declines like a local request
(``network_hold_confirm`` / ``network_hold_decline``); a request nobody confirmed in time expires with the
local hold (``network_holds_expire``). Every outcome goes back up through the outbox as a
``hold_outcome`` message (federation/kinds.py), delivered with retries to the demanding node.

The cards are held with an ordinary ``Hold`` (reference ``net:<request key>``) whose buyer is the upstream
node's service account (``node_user``), so capacity (held + allocated ≤ reported), expiry and the order are
exactly the local ones. The demanding node's side is workflows/demand/network.py.
"""

import logging
import math
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import ComputeResource, ListingState, RecordState
from federation.models import UpstreamLink
from federation.queue import outbox_enqueue

from . import selectors
from .models import HoldState, NetworkHold, NetworkHoldDirection, NetworkHoldState
from .remote_relay import RELAY, RequestRefused, network_hold_relay, relay_peer, relay_withdraw
from .services import HoldItem, holds_confirm, holds_place, holds_release, orders_cancel_for

logger = logging.getLogger(__name__)
HOLD_OUTCOME = "hold_outcome"  # the outbox kind (registered in apps.py)
OUTCOME_PATH = "/api/v1/network/holds/outcome/"


def node_user(*, prefix: str, name: str = ""):
    """The service account standing for another node (the buyer of its holds here, or the actor of its
    decisions); it cannot sign in."""
    user, created = get_user_model().objects.get_or_create(
        username=f"node:{prefix}"[:150], defaults={"full_name": (name or prefix)[:64], "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _units(resource: ComputeResource, cards: int) -> int:
    if resource.billing_unit == "node_hour":
        return math.ceil(cards / max(1, resource.accelerators_per_node or 1))
    return cards


def _answer(row: NetworkHold) -> dict:
    return {
        "request_key": row.request_key,
        "state": row.state,
        "provider": row.provider_name,
        "resource": row.resource_name,
        "expires_at": row.expires_at.isoformat() if row.expires_at else None,
        "units": row.units,
        "amount_yuan": format(row.amount_yuan, "f"),
    }


def network_hold_request(*, link: UpstreamLink, data: dict) -> tuple[dict, bool]:
    """The upstream's hold request: held here when the resource is this node's, relayed to the node below
    that owns it otherwise (orders/remote_relay.py)."""
    peer = relay_peer(identifier=data["identifier"])
    if peer is not None:
        return network_hold_relay(link=link, data=data, peer=peer, answer_of=_answer)
    return network_hold_receive(link=link, data=data)


@transaction.atomic
def network_hold_receive(*, link: UpstreamLink, data: dict) -> tuple[dict, bool]:
    """Hold a resource of this node for the upstream node's buyer; (answer, created). A repeat of the same
    request key answers the first result. RequestRefused: 404 (not this node's resource), 409 (short, price)."""
    existing = NetworkHold.objects.filter(
        direction=NetworkHoldDirection.INCOMING, peer_prefix=link.upstream_prefix, request_key=data["request_key"]
    ).first()
    if existing is not None:
        return _answer(existing), False
    resource = (
        ComputeResource.objects.select_related("provider__organization", "identifier")
        .filter(
            identifier__code=data["identifier"],
            listing_state=ListingState.APPROVED,
            state=RecordState.ONLINE,
        )
        .first()
    )
    if resource is None:
        raise RequestRefused(404, {"identifier": [_("本节点没有该在线上架的算力资源。")]})
    price = resource.price_yuan or Decimal(0)
    if price != data["unit_price_yuan"]:
        message = _("资源“%(name)s”的价格已变为 ¥%(price)s，请重新匹配。") % {"name": resource.name, "price": price}
        raise RequestRefused(409, {"unit_price_yuan": [message]})
    units = _units(resource, data["cards"])
    amount = (price * units * data["hours"]).quantize(Decimal("0.01"))
    reference = f"net:{data['request_key']}"
    try:
        with transaction.atomic():
            [hold] = holds_place(
                reference=reference,
                buyer_user=node_user(prefix=link.upstream_prefix, name=link.upstream_name),
                hours=data["hours"],
                items=[
                    HoldItem(
                        provider_id=resource.provider_id,
                        resource_id=resource.pk,
                        cards=data["cards"],
                        units=units,
                        unit_price_yuan=price,
                        amount_yuan=amount,
                    )
                ],
            )
    except ValidationError as error:
        raise RequestRefused(409, {"cards": error.messages}) from error
    row = NetworkHold.objects.create(
        direction=NetworkHoldDirection.INCOMING,
        request_key=data["request_key"],
        peer_prefix=link.upstream_prefix,
        peer_name=link.upstream_name,
        reference=data["reference"],
        identifier=data["identifier"],
        resource_name=resource.name,
        provider_name=resource.provider.organization.name,
        buyer_name=data.get("buyer", ""),
        cards=data["cards"],
        units=units,
        hours=data["hours"],
        unit_price_yuan=price,
        amount_yuan=amount,
        hold=hold,
        expires_at=hold.expires_at,
    )
    return _answer(row), True


@transaction.atomic
def network_hold_withdraw(*, link: UpstreamLink, request_key: str, reason: str) -> dict:
    """The upstream node withdraws its request (the buyer's plan fell through): the cards go back."""
    row = (
        NetworkHold.objects.select_for_update()
        .filter(direction=NetworkHoldDirection.INCOMING, peer_prefix=link.upstream_prefix, request_key=request_key)
        .first()
    )
    if row is None:
        raise RequestRefused(404, {"request_key": [_("没有该预留请求。")]})
    relayed = NetworkHold.objects.filter(request_key=request_key, reference__startswith=RELAY)
    if row.hold_id is None and relayed.exists():
        relay_withdraw(row=row, reason=reason or _("上级节点撤销了预留请求。"))
        return _answer(row)
    if row.state in (NetworkHoldState.HELD, NetworkHoldState.CONFIRMED):
        holds_release(reference=row.hold_reference)
        orders_cancel_for(reference=row.hold_reference, reason=reason or _("上级节点撤销了预留请求。"))
        row.state, row.reason, row.decided_at = NetworkHoldState.RELEASED, reason[:1000], timezone.now()
        row.save(update_fields=["state", "reason", "decided_at"])
    return _answer(row)


# --- the provider's decision ----------------------------------------------------------------------


def network_holds_for_provider(*, user):
    """Incoming requests on the user's provider's resources (nothing for anyone else)."""
    provider = selectors.provider_of(user)
    if provider is None:
        return NetworkHold.objects.none()
    return NetworkHold.objects.filter(direction=NetworkHoldDirection.INCOMING, hold__provider=provider).order_by(
        "state", "-created_at", "-pk"
    )


def outcome_send(row: NetworkHold) -> None:
    """Tell the upstream node the outcome of its request (through the outbox, in the caller's transaction)."""
    _outcome(row)


def _outcome(row: NetworkHold) -> None:
    outbox_enqueue(
        kind=HOLD_OUTCOME,
        idempotency_key=f"{HOLD_OUTCOME}:{row.request_key}:{row.state}",
        path=OUTCOME_PATH,
        payload={
            "request_key": row.request_key,
            "identifier": row.identifier,
            "state": row.state,
            "reason": row.reason,
            "order_number": row.order_number,
        },
    )


def _decided(*, row: NetworkHold, actor) -> NetworkHold:
    locked = NetworkHold.objects.select_for_update().get(pk=row.pk)
    if locked.hold is None or selectors.provider_of(actor) is None:
        raise PermissionDenied
    if selectors.provider_of(actor).pk != locked.hold.provider_id:
        raise PermissionDenied
    if locked.state != NetworkHoldState.HELD:
        raise ValidationError(_("该预留请求已处理（%(state)s）。") % {"state": locked.get_state_display()})
    return locked


@transaction.atomic
def network_hold_confirm(*, row: NetworkHold, actor) -> NetworkHold:
    """The provider confirms: the held cards become an order here; the demanding node is told."""
    row = _decided(row=row, actor=actor)
    order = holds_confirm(reference=row.hold_reference, provider_id=row.hold.provider_id, actor=actor)
    row.state, row.order_number, row.decided_at = NetworkHoldState.CONFIRMED, order.number, timezone.now()
    row.save(update_fields=["state", "order_number", "decided_at"])
    _outcome(row)
    return row


@transaction.atomic
def network_hold_decline(*, row: NetworkHold, actor, reason: str) -> NetworkHold:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写谢绝原因。")})
    row = _decided(row=row, actor=actor)
    holds_release(reference=row.hold_reference)
    row.state, row.reason, row.decided_at = NetworkHoldState.DECLINED, reason[:1000], timezone.now()
    row.save(update_fields=["state", "reason", "decided_at"])
    _outcome(row)
    return row


def network_holds_expire() -> int:
    """Requests whose local hold expired (orders.services.holds_expire) are expired; the upstream is told."""
    count = 0
    with transaction.atomic():
        rows = NetworkHold.objects.select_for_update().filter(
            direction=NetworkHoldDirection.INCOMING, state=NetworkHoldState.HELD, hold__state=HoldState.EXPIRED
        )
        for row in rows:
            row.state, row.decided_at = NetworkHoldState.EXPIRED, timezone.now()
            row.reason = _("服务商未在预留期限内确认。")
            row.save(update_fields=["state", "reason", "decided_at"])
            _outcome(row)
            count += 1
    return count


def outcome_delivered(*, payload: dict, response: dict) -> None:
    """The demanding node accepted an outcome (outbox hook): kept in the log for the operators."""
    logger.info("hold outcome %s of %s delivered upstream", payload.get("state"), payload.get("request_key"))
