"""Rotation of this node's downward key, told to the nodes below at once (issue 14).

``node_key_rotate`` (``manage.py node_key_rotate``, the admin actions) replaces the key (node_key.py) and, in
the same transaction, queues one notice per active node enrolled directly below this one (the nodes that
verify this node's key; an industry node under a regional one verifies the regional node's key, not this
one's). After the commit the notices are delivered at once; a node that does not answer gets its notice
through the outbox's retries and back-off (services.outbox_drain, every 10 s in the worker), and a newer
rotation supersedes a notice still pending.

The notice (``POST /api/v1/federation/upstream-keys/rotated/`` on the node below, downlink.py) is signed with
the NEW key and names it. The node below does not take anything from the message: verifying the signature
makes it read this node's published keys (the new key id is unknown to it), and the view reads them again
in any case, so what it accepts from then on is exactly what this node publishes: with an overlap of 0 (or
``revoke_old``) the retired keys are no longer published and are refused there from that moment, instead
of after ``FEDERATION_UPSTREAM_KEYS_TTL_SECONDS``. It answers with the key ids it now accepts, so the
operator sees, node by node, that a revoked key is refused.
"""

from dataclasses import dataclass, field

from django.db import connection, transaction

from .models import NodeKey, OutboxMessage, OutboxStatus, Peer, PeerState
from .node_key import node_keys_replace
from .queue import outbox_enqueue
from .services import outbox_deliver

KIND = "upstream_key_rotated"
NOTICE_PATH = "/api/v1/federation/upstream-keys/rotated/"


@dataclass(frozen=True)
class NoticeOutcome:
    delivered: bool
    error: str = ""  # why not (it is retried with back-off)
    still_accepted: tuple[str, ...] = ()  # retired key ids the node below accepts until their window ends


@dataclass
class Rotation:
    key: NodeKey
    retired: list[NodeKey]
    notices: list[OutboxMessage]
    # node prefix -> what became of its notice (filled when delivered right away)
    outcomes: dict[str, NoticeOutcome] = field(default_factory=dict)


def node_key_rotate(*, overlap_seconds: int | None = None, revoke_old: bool = False, notify: bool = True) -> Rotation:
    """A new downward key; the old ones retire after ``overlap_seconds`` (at once with ``revoke_old``), and
    every active node directly below is told now (``notify``; otherwise the outbox delivers the notices)."""
    if revoke_old:
        overlap_seconds = 0
    with transaction.atomic():
        key, retired = node_keys_replace(overlap_seconds=overlap_seconds)
        notices = key_rotation_notices_enqueue(key=key, retired=retired)
    rotation = Rotation(key=key, retired=retired, notices=notices)
    if notify and notices:
        if connection.in_atomic_block:  # the nodes below would read the keys before they are committed
            transaction.on_commit(lambda: key_rotation_notices_deliver(notices=notices))
        else:
            rotation.outcomes = key_rotation_notices_deliver(notices=notices)
    return rotation


def key_rotation_notices_enqueue(*, key: NodeKey, retired: list[NodeKey]) -> list[OutboxMessage]:
    payload = {
        "key_id": key.key_id,
        "algorithm": key.algorithm,
        "retired": [
            {"key_id": old.key_id, "retires_at": old.retires_at.isoformat() if old.retires_at else None}
            for old in retired
        ],
    }
    peers = Peer.objects.filter(state=PeerState.ACTIVE, via__isnull=True).exclude(url="").order_by("prefix")
    notices = []
    for peer in peers:
        OutboxMessage.objects.filter(kind=KIND, peer=peer, status=OutboxStatus.PENDING).update(
            status=OutboxStatus.DROPPED, last_error=f"superseded by the notice of key {key.key_id}"
        )
        notices.append(
            outbox_enqueue(
                kind=KIND,
                idempotency_key=f"{KIND}:{key.key_id}:{peer.prefix}",
                path=NOTICE_PATH,
                payload=payload,
                peer=peer,
            )
        )
    return notices


def key_rotation_notices_deliver(*, notices: list[OutboxMessage]) -> dict[str, NoticeOutcome]:
    """Deliver the notices now, one node after the other; node prefix -> outcome."""
    outcomes = {}
    for notice in notices:
        delivered = outbox_deliver(message=notice)
        notice.refresh_from_db()
        if not delivered:
            outcomes[notice.peer.prefix] = NoticeOutcome(delivered=False, error=notice.last_error[:200])
            continue
        accepted = set((notice.response or {}).get("accepted_key_ids") or [])
        still = tuple(old["key_id"] for old in notice.payload["retired"] if old["key_id"] in accepted)
        outcomes[notice.peer.prefix] = NoticeOutcome(delivered=True, still_accepted=still)
    return outcomes
