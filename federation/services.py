"""The outbox: enqueue inside the business transaction (queue.py), deliver later with retries and back-off:
upward to the upstream node, or down to a node enrolled here (``peer``: a key rotation notice)."""

import datetime
import json
import logging
import urllib.error

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .client import NotEnrolled, signed_request
from .downlink import NodeUnreachable, downlink_request
from .filings import acknowledgements_poll
from .kinds import kind_delivered
from .models import OutboxMessage, OutboxStatus, PeerState
from .queue import outbox_enqueue
from .selectors import upstream_url

logger = logging.getLogger(__name__)
__all__ = ["outbox_enqueue", "outbox_deliver", "outbox_drain", "acknowledgements_collect"]


def backoff_seconds(attempts: int) -> int:
    """Delay before the next attempt after ``attempts`` failures: base * 2^(attempts-1), capped."""
    base, cap = settings.OUTBOX_BACKOFF_BASE_SECONDS, settings.OUTBOX_BACKOFF_MAX_SECONDS
    return min(cap, base * 2 ** max(0, attempts - 1))


def _post(*, path: str, payload: dict, idempotency_key: str) -> dict:
    return signed_request(method="POST", path=path, payload=payload, idempotency_key=idempotency_key)


def _on_delivered(message: OutboxMessage) -> None:
    kind_delivered(kind=message.kind, payload=message.payload, response=message.response or {})


def _send_up(message: OutboxMessage) -> tuple[dict | None, str]:
    if not upstream_url():
        return None, "no upstream node (not enrolled, UPSTREAM_NODE_URL empty)"
    try:
        return _post(path=message.path, payload=message.payload, idempotency_key=message.idempotency_key), ""
    except urllib.error.HTTPError as exc:
        return None, f"HTTP {exc.code}: {exc.read()[:500].decode(errors='replace')}"
    except (urllib.error.URLError, TimeoutError, ConnectionError, ValueError, NotEnrolled) as exc:
        return None, f"{type(exc).__name__}: {exc}"


def _send_down(message: OutboxMessage) -> tuple[dict | None, str]:
    try:
        status, answer = downlink_request(
            peer=message.peer,
            method="POST",
            path=message.path,
            payload=message.payload,
            idempotency_key=message.idempotency_key,
        )
    except NodeUnreachable as exc:
        return None, f"NodeUnreachable: {exc}"
    if 200 <= status < 300:
        return answer, ""
    return None, f"HTTP {status}: {json.dumps(answer, ensure_ascii=False)[:500]}"


def outbox_deliver(*, message: OutboxMessage, now: datetime.datetime | None = None) -> bool:
    """Try one message; on failure record the error and schedule the next attempt. True when delivered.
    A message down to a node revoked since is not sent (``dropped``)."""
    now = now or timezone.now()
    if message.peer_id is not None and message.peer.state != PeerState.ACTIVE:
        OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.PENDING).update(
            status=OutboxStatus.DROPPED, last_error="the node below was revoked"
        )
        return False
    response, error = _send_down(message) if message.peer_id is not None else _send_up(message)
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        if message.status == OutboxStatus.SENT:
            return True
        if message.status == OutboxStatus.DROPPED:  # superseded while this attempt was under way
            return False
        message.attempts += 1
        if error:
            message.last_error = error
            message.next_attempt_at = now + datetime.timedelta(seconds=backoff_seconds(message.attempts))
            message.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            logger.warning("outbox %s attempt %d failed: %s", message, message.attempts, error)
            return False
        message.status = OutboxStatus.SENT
        message.sent_at = now
        message.response = response
        message.last_error = ""
        message.save(update_fields=["attempts", "status", "sent_at", "response", "last_error"])
        _on_delivered(message)
        return True


def outbox_drain(*, now: datetime.datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Deliver every due message once (oldest first); returns counts of sent and failed."""
    now = now or timezone.now()
    counts = {"sent": 0, "failed": 0}
    due = (
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        .select_related("peer")
        .order_by("next_attempt_at", "pk")
    )
    for message in list(due[:limit]):
        counts["sent" if outbox_deliver(message=message, now=now) else "failed"] += 1
    return counts


def acknowledgements_collect() -> int:
    """Filings delivered to a regional node wait there for the national acknowledgement: ask for it."""
    return acknowledgements_poll() if upstream_url() else 0
