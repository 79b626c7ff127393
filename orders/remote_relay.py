"""Holds relayed through this node (issue 14): its upstream node (the national node) asks to hold a resource
of a node enrolled below this one (an industry node), as synced here and forwarded upward. This node
checks the identifier is under the prefix of an active node directly below it and that node's synced
catalogue still lists it (else 404: nothing outside its downstream prefix passes), then sends the request
down signed with its own key (federation.downlink; the node below verifies it and holds there, orders.remote)
and answers its upstream with the owning node's answer — or, when that node does not answer, a 502 naming it.

Two rows keep the relay, with the request key of the upstream: the *incoming* one (the upstream's request,
no local ``Hold``) and the *outgoing* one (reference ``relay:<upstream prefix>``) to the owning node. Its
withdrawal is passed down after this node's commit; the owning node's outcome (confirmed, declined,
expired), which reaches this node signed by that node, decides both rows and goes up through the outbox
(``relay_outcome``).
"""

import contextlib
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from federation.downlink import NodeUnreachable, downlink_request
from federation.models import Peer, SyncedRecord, UpstreamLink
from federation.selectors import node_prefix, peer_for_prefix
from organizations.identifiers import MalformedIdentifier, parse_identifier

from .models import NetworkHold, NetworkHoldDirection, NetworkHoldState

HOLD_PATH = "/api/v1/network/holds/"
RELAY = "relay:"  # the reference of an outgoing row that relays an upstream's request


def relay_peer(*, identifier: str) -> Peer | None:
    """The active node directly below this one responsible for ``identifier`` (None: not a relayed hold)."""
    try:
        prefix = parse_identifier(identifier).prefix
    except MalformedIdentifier:
        return None
    if not prefix.startswith(node_prefix() + "."):
        return None
    return peer_for_prefix(prefix=prefix)


class RequestRefused(ValueError):
    """A hold request this node refuses: the HTTP status and the field errors its upstream reads."""

    def __init__(self, status: int, errors: dict):
        super().__init__(errors)
        self.status, self.errors = status, errors


def _refused(status: int, errors: dict) -> RequestRefused:
    return RequestRefused(status, errors)


def _node(peer: Peer) -> str:
    return f"{peer.name}（{peer.prefix}）"


def network_hold_relay(*, link: UpstreamLink, data: dict, peer: Peer, answer_of) -> tuple[dict, bool]:
    """Pass the upstream's hold request to ``peer`` (not inside a transaction: this node's database is not
    locked while the node below answers); (answer, created). RequestRefused: 404 (not listed below), the
    owning node's 404/409 with its reasons, 502 (it did not answer)."""
    key = data["request_key"]
    existing = NetworkHold.objects.filter(
        direction=NetworkHoldDirection.INCOMING, peer_prefix=link.upstream_prefix, request_key=key
    ).first()
    if existing is not None:
        return answer_of(existing), False
    synced = SyncedRecord.objects.filter(
        identifier=data["identifier"], removed=False, peer=peer, record_type="resource"
    ).first()
    if synced is None:
        raise _refused(404, {"identifier": [_("本节点下级节点的目录中没有该在线上架的算力资源。")]})
    payload = {
        "request_key": key,
        "reference": f"{RELAY}{link.upstream_prefix}",
        "identifier": data["identifier"],
        "cards": data["cards"],
        "hours": data["hours"],
        "unit_price_yuan": format(data["unit_price_yuan"], "f"),
        "buyer": data.get("buyer", ""),
    }
    try:
        status, answer = downlink_request(peer=peer, method="POST", path=HOLD_PATH, payload=payload)
    except NodeUnreachable:
        message = _("资源所属节点 %(node)s 暂时无法连接，%(via)s 未能转发预留请求。")
        raise _refused(502, {"detail": [message % {"node": _node(peer), "via": node_prefix()}]}) from None
    if status not in (200, 201):
        raise _refused(status if status in (404, 409) else 502, answer or {"detail": [f"HTTP {status}"]})
    snapshot = synced.snapshot or {}
    common = {
        "request_key": key,
        "identifier": data["identifier"],
        "resource_name": answer.get("resource") or snapshot.get("name", ""),
        "provider_name": answer.get("provider") or snapshot.get("provider", ""),
        "buyer_name": data.get("buyer", ""),
        "cards": data["cards"],
        "units": int(answer.get("units") or data["cards"]),
        "hours": data["hours"],
        "unit_price_yuan": data["unit_price_yuan"],
        "amount_yuan": Decimal(str(answer.get("amount_yuan") or "0")),
        "expires_at": parse_datetime(answer["expires_at"]) if answer.get("expires_at") else None,
    }
    try:
        with transaction.atomic():
            incoming = NetworkHold.objects.create(
                direction=NetworkHoldDirection.INCOMING,
                peer_prefix=link.upstream_prefix,
                peer_name=link.upstream_name,
                reference=data["reference"],
                **common,
            )
            NetworkHold.objects.create(
                direction=NetworkHoldDirection.OUTGOING,
                peer_prefix=peer.prefix,
                peer_name=peer.name,
                reference=f"{RELAY}{link.upstream_prefix}",
                **common,
            )
    except IntegrityError:  # the same request relayed at the same moment: its first answer
        return answer_of(NetworkHold.objects.get(direction=NetworkHoldDirection.INCOMING, request_key=key)), False
    return answer_of(incoming), True


def relay_withdraw(*, row: NetworkHold, reason: str) -> None:
    """The upstream withdraws a relayed request (inside the caller's transaction): both rows are released
    here, the owning node is told after the commit (if it does not answer, its hold expires there)."""
    twin = (
        NetworkHold.objects.select_for_update()
        .filter(direction=NetworkHoldDirection.OUTGOING, request_key=row.request_key, reference__startswith=RELAY)
        .first()
    )
    for each in (row, twin):
        if each is not None and each.state in (NetworkHoldState.HELD, NetworkHoldState.CONFIRMED):
            each.state, each.reason = NetworkHoldState.RELEASED, reason[:1000]
            each.save(update_fields=["state", "reason"])
    peer = peer_for_prefix(prefix=twin.peer_prefix) if twin is not None else None
    if peer is not None:
        path = f"{HOLD_PATH}{row.request_key}/withdraw/"
        transaction.on_commit(lambda: _quietly(peer=peer, path=path, reason=reason))


def _quietly(*, peer: Peer, path: str, reason: str) -> None:
    with contextlib.suppress(NodeUnreachable):  # the node below lets its hold expire
        downlink_request(peer=peer, method="POST", path=path, payload={"reason": reason})


def relay_outcome(*, row: NetworkHold, enqueue) -> None:
    """The owning node's outcome of a relayed request (``row``: the outgoing row, already decided): the
    upstream's row takes it and it goes up (``enqueue``: orders.remote's outbox message), in the caller's
    transaction."""
    incoming = (
        NetworkHold.objects.select_for_update()
        .filter(direction=NetworkHoldDirection.INCOMING, request_key=row.request_key, hold__isnull=True)
        .first()
    )
    if incoming is None or incoming.state != NetworkHoldState.HELD:
        return
    incoming.state, incoming.reason, incoming.order_number = row.state, row.reason, row.order_number
    incoming.decided_at = row.decided_at
    incoming.save(update_fields=["state", "reason", "order_number", "decided_at"])
    enqueue(incoming)
