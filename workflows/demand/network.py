"""Demand matching across the network (issue 14 item 5, issue 18 item 7), the demanding node's side.

- Matching sees the compute resources synced here from the nodes below (federation.SyncedRecord) beside
  this node's own, as rows under the negative id ``-SyncedRecord.pk`` (as the selection index does); an
  offer names each synced resource's source node and is explained like a local one. Records of an active
  node enrolled directly below are offered, and (at the national node) those a regional node forwarded
  from its industry nodes: their holds are relayed by that regional node (orders/remote_relay.py).
- Accepting a plan holds each synced resource at its owning node (a signed request down the network,
  federation.downlink; orders.remote there) after the local holds, in the same transaction: if a node
  does not answer or refuses, the holds already placed at other nodes are withdrawn, the transaction
  rolls back and the user reads which node failed — nothing is left half-done.
- The owning node's provider decides there; the outcome comes back up (network_outcome.py).
"""

import logging
import secrets
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from federation.downlink import NodeUnreachable, downlink_request, node_key
from federation.models import Peer, PeerState, SyncedRecord
from federation.selectors import peer_for_prefix
from orders.models import NetworkHold, NetworkHoldDirection, NetworkHoldState

from .models import MatchAllotment, SchedulingRecord

logger = logging.getLogger(__name__)
HOLD_PATH = "/api/v1/network/holds/"


def _decimal(value) -> Decimal | None:
    try:
        return None if value in (None, "") else Decimal(str(value))
    except ArithmeticError:
        return None


def synced_rows_for_matching(*, resource_class: str) -> list[dict]:
    """Online synced resources of the class with units, from active nodes directly below, as matching rows."""
    records = (
        SyncedRecord.objects.filter(
            record_type="resource",
            removed=False,
            peer__state=PeerState.ACTIVE,
            snapshot__resource_class=resource_class,
        )
        .select_related("peer")
        .order_by("pk")
    )
    known = _registered_below()
    rows = []
    for record in records:
        snapshot = record.snapshot or {}
        units = int(snapshot.get("available_units") or 0)
        price = _decimal(snapshot.get("price_yuan"))
        if snapshot.get("state") != "online" or units <= 0 or price is None:
            continue
        if not _holdable(record, known):
            continue
        rows.append(
            {
                "id": -record.pk,
                "provider_id": -record.pk,
                "site_id": None,  # its lines are not known here: reached over the public network
                "province_code": snapshot.get("province_code") or "",
                "city_code": snapshot.get("city_code") or "",
                "resource_class": resource_class,
                "accelerator_model": snapshot.get("accelerator_model") or "",
                "accelerators_per_node": int(snapshot.get("accelerators_per_node") or 0),
                "billing_unit": snapshot.get("billing_unit") or "",
                "price_yuan": price,
                "available_units": units,
                "reported_units": units,
                "listing_state": "approved",
                "state": "online",
                "fp16_tflops_per_card": _decimal(snapshot.get("fp16_tflops_per_card")),
                "provider_certified": False,  # the node below certifies its providers; not known here
                "synced": {
                    "identifier": record.identifier,
                    "name": snapshot.get("name") or record.identifier,
                    "provider": snapshot.get("provider") or "",
                    "site": snapshot.get("site") or "",
                    "province_code": snapshot.get("province_code") or "",
                    "billing_unit": snapshot.get("billing_unit") or "",
                    "source_prefix": record.source_prefix,
                    "source_name": record.source_name or record.peer.name,
                    "source_url": record.source_url,
                },
            }
        )
    return rows


def _registered_below() -> set[tuple[str, int]]:
    """(prefix, regional peer id) of the active nodes registered below this node's regional nodes (peer_relay)."""
    return set(Peer.objects.filter(state=PeerState.ACTIVE, via__isnull=False).values_list("prefix", "via_id"))


def _holdable(record: SyncedRecord, known: set[tuple[str, int]]) -> bool:
    """Can a hold on the record be placed? Its owning node is the active node that sent it, or an active
    node registered below that one (the regional node relays the hold: orders/remote_relay.py)."""
    if record.peer.state != PeerState.ACTIVE:
        return False
    return record.source_prefix == record.peer.prefix or (record.source_prefix, record.peer_id) in known


def sources_note(*, allotments, rows_by_id: dict[int, dict]) -> str:
    """The explanation's sentence naming the nodes below an offer's synced resources ('' when none)."""
    names = []
    for allotment in allotments:
        synced = rows_by_id.get(allotment.resource_id, {}).get("synced")
        if synced:
            label = f"{synced['name']} 来自下级节点 {synced['source_name']}（{synced['source_prefix']}）"
            names.append(label)
    return "；".join(names)


def allotment_values(*, allotment, rows_by_id: dict[int, dict]) -> dict:
    """The MatchAllotment fields naming an allotment's resource: the local one, or the synced record."""
    synced = rows_by_id.get(allotment.resource_id, {}).get("synced")
    if synced is None:
        return {"resource_id": allotment.resource_id}
    return {"resource_id": None, "synced_identifier": synced["identifier"], "synced": synced}


# --- accept: holds at the owning nodes ------------------------------------------------------------


def prepare(*, match_id: int) -> None:
    """Outside the accept's transaction: this node's key for requests down the network exists and is
    committed (the node below reads its public half from this node while the transaction waits)."""
    if MatchAllotment.objects.filter(match_id=match_id, resource__isnull=True).exists():
        node_key()


def _owning_peer(identifier: str, name: str) -> tuple[Peer, SyncedRecord]:
    """(the node below a hold is sent to — the owning node, or the regional node that relays to it; the
    synced record)."""
    record = SyncedRecord.objects.select_related("peer").filter(identifier=identifier, removed=False).first()
    if record is None or not _holdable(record, _registered_below()):
        raise ValidationError(
            {"match": _("方案中的资源“%(name)s”已不在下级节点的目录中，请选择其他方案。") % {"name": name}}
        )
    return record.peer, record


def _peer_below(prefix: str) -> Peer | None:
    """The active node directly below this one that a request about ``prefix`` goes to."""
    return peer_for_prefix(prefix=prefix)


def _withdraw(*, peer: Peer, request_key: str, reason: str) -> bool:
    try:
        status, _answer = downlink_request(
            peer=peer, method="POST", path=f"{HOLD_PATH}{request_key}/withdraw/", payload={"reason": reason}
        )
    except NodeUnreachable as error:
        logger.warning("withdrawing hold %s at %s failed: %s", request_key, peer.prefix, error)
        return False
    return status in (200, 404)


def remote_holds_place(*, reference: str, allotments, actor, hours: int) -> list[NetworkHold]:
    """Hold every synced allotment at its owning node, or none (ValidationError naming the node)."""
    placed: list[tuple[Peer, str]] = []
    rows = []
    buyer = str(actor.organization or actor.get_full_name())
    for allotment in allotments:
        synced = allotment.synced
        peer, record = _owning_peer(allotment.synced_identifier, synced.get("name", ""))
        request_key = secrets.token_hex(16)
        payload = {
            "request_key": request_key,
            "reference": reference,
            "identifier": allotment.synced_identifier,
            "cards": allotment.cards,
            "hours": hours,
            "unit_price_yuan": format(allotment.unit_price_yuan, "f"),
            "buyer": buyer,
        }
        node = f"{record.source_name or peer.name}（{record.source_prefix}）"
        via = f"{peer.name}（{peer.prefix}）"
        relayed = record.source_prefix != peer.prefix  # through the regional node it is enrolled with
        try:
            status, answer = downlink_request(peer=peer, method="POST", path=HOLD_PATH, payload=payload)
        except NodeUnreachable:
            _undo(placed)
            _withdraw(peer=peer, request_key=request_key, reason="")  # in case it arrived after all
            if relayed:
                message = _(
                    "转发节点 %(via)s 暂时无法连接，未能向资源所属节点 %(node)s 预留“%(name)s”；"
                    "方案未被选择，请稍后重试或选择其他方案。"
                )
            else:
                message = _(
                    "资源所属节点 %(node)s 暂时无法连接，未能预留“%(name)s”；方案未被选择，请稍后重试或选择其他方案。"
                )
            values = {"node": node, "via": via, "name": synced.get("name", "")}
            raise ValidationError({"match": message % values}) from None
        if relayed:
            node += _("（经 %(via)s 转发）") % {"via": via}
        if status not in (200, 201):
            _undo(placed)
            details = "；".join(
                str(item) for value in answer.values() for item in (value if isinstance(value, list) else [value])
            )
            message = _("资源所属节点 %(node)s 未能预留“%(name)s”：%(details)s 方案未被选择，请选择其他方案。")
            raise ValidationError(
                {"match": message % {"node": node, "name": synced.get("name", ""), "details": details}}
            )
        placed.append((peer, request_key))
        rows.append(
            NetworkHold(
                direction=NetworkHoldDirection.OUTGOING,
                request_key=request_key,
                peer_prefix=record.source_prefix,  # the owning node (its outcome may come through its regional node)
                peer_name=record.source_name or peer.name,
                reference=reference,
                identifier=allotment.synced_identifier,
                resource_name=synced.get("name", ""),
                provider_name=synced.get("provider", ""),
                buyer_name=buyer,
                cards=allotment.cards,
                units=allotment.units,
                hours=hours,
                unit_price_yuan=allotment.unit_price_yuan,
                amount_yuan=allotment.price_yuan,
            )
        )
    # placed last in the caller's transaction; should its commit still fail, these holds expire below
    return NetworkHold.objects.bulk_create(rows)


def _undo(placed: list[tuple[Peer, str]]) -> None:
    for peer, request_key in placed:
        _withdraw(peer=peer, request_key=request_key, reason=_("需求方的方案未能成立。"))


def remote_holds_withdraw(*, reference: str, reason: str) -> int:
    """The plan fell through (a provider declined, expired): withdraw its holds at the nodes below, after
    this node's commit; a node that does not answer lets its hold expire there."""
    rows = list(
        NetworkHold.objects.select_for_update().filter(
            direction=NetworkHoldDirection.OUTGOING,
            reference=reference,
            state__in=[NetworkHoldState.HELD, NetworkHoldState.CONFIRMED],
        )
    )
    targets = []
    for row in rows:
        row.state, row.reason = NetworkHoldState.RELEASED, reason[:1000]
        row.save(update_fields=["state", "reason"])
        peer = _peer_below(row.peer_prefix)
        if peer is not None:
            targets.append((peer, row.request_key))
    transaction.on_commit(lambda: _undo(targets))
    return len(rows)


def remote_scheduling_create(*, demand, match) -> list:
    """One scheduling record per (node below, provider) of the accepted match's synced resources."""
    groups: dict[tuple[str, str], list] = {}
    for allotment in match.allotments.filter(resource__isnull=True).order_by("pk"):
        synced = allotment.synced or {}
        groups.setdefault((synced.get("source_prefix", ""), synced.get("provider", "")), []).append(allotment)
    province = demand.city_id[:2]
    records = []
    for (prefix, provider), allotments in sorted(groups.items()):
        records.append(
            SchedulingRecord.objects.create(
                demand=demand,
                match=match,
                provider=None,
                remote_node=prefix,
                remote_node_name=allotments[0].synced.get("source_name", ""),
                remote_provider=provider,
                cards=sum(a.cards for a in allotments),
                price_yuan=sum((a.price_yuan for a in allotments), Decimal(0)),
                cross_province=any((a.synced.get("province_code") or "")[:2] != province for a in allotments),
                accepted_at=match.accepted_at,
            )
        )
    return records


def remote_holds_withdraw_row(*, row: NetworkHold) -> None:
    """Withdraw one hold below after this node's commit (its outcome came after the plan fell through)."""
    peer = _peer_below(row.peer_prefix)
    if peer is not None:
        transaction.on_commit(lambda: _undo([(peer, row.request_key)]))


def holds_of_record(*, record) -> list[NetworkHold]:
    """The holds placed below for a node below's part of a match (what the demand page shows)."""
    return list(
        NetworkHold.objects.filter(
            direction=NetworkHoldDirection.OUTGOING,
            reference=f"match:{record.match_id}",
            peer_prefix=record.remote_node,
            provider_name=record.remote_provider,
        ).order_by("pk")
    )
