"""Identifier filings between nodes.

Upstream side (national or regional node): ``filing_receive`` records a filing from an enrolled node,
refused outside the node's prefix; a national node acknowledges at once (it is the root), a regional
node relays it upward through its own outbox and records the national acknowledgement when it comes
back (``filing_acknowledged``); the node below asks for it (``filing_status``). ``filing_state_receive``
applies a suspension, reactivation or revocation and relays it upward the same way.

Downstream side: ``filing_enqueue`` / ``state_enqueue`` send the payloads the owning app builds
(catalog.services.upstream); when the national acknowledgement arrives (in the answer to the filing,
or later when polled) ``filing_acknowledged`` tells that app (``kinds``: catalog moves its identifier
issued → filed → active).
"""

import logging
import urllib.error

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from .kinds import kind_acknowledged
from .models import FilingState, IdentifierFiling, OutboxMessage, OutboxStatus, Peer
from .queue import outbox_enqueue

logger = logging.getLogger(__name__)

IDENTIFIER_FILING = "identifier_filing"
IDENTIFIER_FILING_PATH = "/api/v1/federation/filings/identifiers/"
IDENTIFIER_STATE = "identifier_state"
IDENTIFIER_STATE_PATH = "/api/v1/federation/filings/identifiers/state/"
FILING_STATUS_PATH = "/api/v1/federation/filings/identifiers/status/"
UPWARD_STATES = {"suspended", "active", "revoked"}
RESOLUTION_CACHE_PREFIX = "identifier-resolution:"


class FilingRefused(ValueError):
    def __init__(self, status: int, errors: dict):
        super().__init__(errors)
        self.status, self.errors = status, errors


def _is_root() -> bool:
    """The national node acknowledges; so does a node with no upstream (the root of its own network)."""
    from .selectors import upstream_url

    return settings.NODE_ROLE == "national" or not upstream_url()


def _answer(filing: IdentifierFiling) -> dict:
    return {
        "receipt": filing.receipt,
        "identifier": filing.identifier,
        "state": filing.state,
        "acknowledged": filing.acknowledged_at is not None,
        "national_receipt": filing.national_receipt,
        "received_at": filing.received_at.isoformat(),
    }


@transaction.atomic
def filing_receive(*, peer: Peer, payload: dict, idempotency_key: str) -> tuple[dict, bool]:
    """Record a filing from ``peer`` once. (answer, created). FilingRefused: 403 outside the node's prefix,
    409 for a key or identifier reused with a different payload."""
    if not peer.covers(payload["node_prefix"]):
        raise FilingRefused(403, {"node_prefix": [f"节点 {peer.prefix} 无权为前缀 {payload['node_prefix']} 备案。"]})
    same_key = IdentifierFiling.objects.select_for_update().filter(peer=peer, idempotency_key=idempotency_key).first()
    existing = same_key or IdentifierFiling.objects.select_for_update().filter(identifier=payload["identifier"]).first()
    if existing is not None:
        if existing.peer_id != peer.pk or existing.payload != payload:
            raise FilingRefused(409, {"Idempotency-Key": ["该幂等键或算力标识已用于内容不同的备案。"]})
        return _answer(existing), False
    filing = IdentifierFiling.objects.create(
        identifier=payload["identifier"],
        node_prefix=payload["node_prefix"],
        peer=peer,
        idempotency_key=idempotency_key,
        payload=payload,
        state=FilingState.FILED if _is_root() else FilingState.RELAYED,
    )
    if _is_root():
        filing.national_receipt, filing.acknowledged_at = filing.receipt, timezone.now()
        filing.save(update_fields=["national_receipt", "acknowledged_at"])
    else:
        filing_enqueue(payload=payload)
    cache.delete(RESOLUTION_CACHE_PREFIX + filing.identifier)
    return _answer(filing), True


def filing_enqueue(*, payload: dict) -> OutboxMessage:
    """Send a filing upward: relayed from a node below, or this node's own (its payload built by the
    app that owns the identifier)."""
    return outbox_enqueue(
        kind=IDENTIFIER_FILING,
        idempotency_key=f"{IDENTIFIER_FILING}:{payload['identifier']}",
        path=IDENTIFIER_FILING_PATH,
        payload=payload,
    )


def filing_status(*, peer: Peer, identifier: str) -> dict | None:
    filing = IdentifierFiling.objects.filter(identifier=identifier).first()
    if filing is None or not peer.covers(filing.node_prefix):
        return None
    return _answer(filing)


@transaction.atomic
def filing_state_receive(*, peer: Peer, payload: dict, idempotency_key: str) -> dict:
    """Apply a state change of a filed identifier reported by the node that owns it, and relay it upward."""
    code, state = payload["identifier"], payload["state"]
    filing = IdentifierFiling.objects.select_for_update().filter(identifier=code).first()
    if filing is None or not peer.covers(filing.node_prefix):
        raise FilingRefused(404, {"identifier": ["本节点没有该节点报送的这个算力标识备案。"]})
    if filing.state == FilingState.REVOKED and state != FilingState.REVOKED:
        raise FilingRefused(409, {"state": ["已注销的算力标识不能再变更状态。"]})
    if filing.state != state:
        filing.state = state
        filing.save(update_fields=["state", "changed_at"])
    cache.delete(RESOLUTION_CACHE_PREFIX + code)
    if not _is_root():
        state_enqueue(payload=payload)
    return _answer(filing)


def state_enqueue(*, payload: dict) -> None:
    """Send a state change of a filed identifier upward (relayed, or from the owning node)."""
    outbox_enqueue(
        kind=IDENTIFIER_STATE,
        idempotency_key=f"{IDENTIFIER_STATE}:{payload['identifier']}:{payload['state']}:{payload['changed_at']}",
        path=IDENTIFIER_STATE_PATH,
        payload=payload,
    )


def on_filing_delivered(*, payload: dict, response: dict) -> None:
    """The upstream answered a filing: record the national acknowledgement if it is in the answer."""
    if response.get("acknowledged"):
        filing_acknowledged(identifier=payload["identifier"], national_receipt=response.get("national_receipt", ""))


def filing_acknowledged(*, identifier: str, national_receipt: str) -> None:
    """The national node acknowledged a filing: record it on a filing this node relayed, and tell the
    owner of the identifier (``kinds.upstream_kind_register(..., on_acknowledged=...)``)."""
    with transaction.atomic():
        relayed = IdentifierFiling.objects.select_for_update().filter(identifier=identifier).first()
        if relayed is not None and relayed.acknowledged_at is None:  # a filing this node relayed
            relayed.national_receipt, relayed.acknowledged_at = national_receipt, timezone.now()
            if relayed.state == FilingState.RELAYED:
                relayed.state = FilingState.FILED
            relayed.save(update_fields=["national_receipt", "acknowledged_at", "state", "changed_at"])
    kind_acknowledged(IDENTIFIER_FILING, identifier=identifier, national_receipt=national_receipt)


def acknowledgements_poll(*, limit: int = 200) -> int:
    """Ask upstream about filings delivered but not yet acknowledged by the national node; returns how many
    came back acknowledged."""
    from .client import signed_request

    waiting = (
        OutboxMessage.objects.filter(kind=IDENTIFIER_FILING, status=OutboxStatus.SENT)
        .exclude(response__acknowledged=True)
        .order_by("pk")
    )
    acknowledged = 0
    for message in waiting[:limit]:
        code = message.payload["identifier"]
        try:
            answer = signed_request(method="POST", path=FILING_STATUS_PATH, payload={"identifier": code})
        except (urllib.error.URLError, TimeoutError, ConnectionError, ValueError) as error:
            logger.warning("acknowledgement poll of %s failed: %s", code, error)
            return acknowledged
        if answer.get("acknowledged"):
            filing_acknowledged(identifier=code, national_receipt=answer.get("national_receipt", ""))
            OutboxMessage.objects.filter(pk=message.pk).update(response={**(message.response or {}), **answer})
            acknowledged += 1
    return acknowledged
