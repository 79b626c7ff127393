"""The outbox: enqueue inside the business transaction, deliver later with retries and back-off."""

import datetime
import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import IdentifierFiling, OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)
IDENTIFIER_FILING = "identifier_filing"
IDENTIFIER_FILING_PATH = "/api/v1/federation/filings/identifiers/"


def backoff_seconds(attempts: int) -> int:
    """Delay before the next attempt after ``attempts`` failures: base * 2^(attempts-1), capped."""
    base, cap = settings.OUTBOX_BACKOFF_BASE_SECONDS, settings.OUTBOX_BACKOFF_MAX_SECONDS
    return min(cap, base * 2 ** max(0, attempts - 1))


@transaction.atomic
def outbox_enqueue(*, kind: str, idempotency_key: str, path: str, payload: dict) -> OutboxMessage:
    """Queue a message once per idempotency key (a repeat returns the existing message)."""
    message, _ = OutboxMessage.objects.get_or_create(
        idempotency_key=idempotency_key,
        defaults={"kind": kind, "path": path, "payload": payload, "next_attempt_at": timezone.now()},
    )
    return message


def identifier_filing_enqueue(*, identifier_id: int) -> OutboxMessage | None:
    """Queue the filing of an issued identifier with the upstream (national) node."""
    from catalog.models import Identifier

    identifier = Identifier.objects.filter(pk=identifier_id).first()
    if identifier is None or identifier.state != "issued":  # already filed (or withdrawn) meanwhile
        return None
    record = identifier.record
    payload = {
        "identifier": identifier.code,
        "node_prefix": identifier.prefix,
        "class_code": identifier.class_code,
        "name": record.name,
        "provider": record.provider.organization.name,
        "provider_uscc": record.provider.organization.uscc,
        "division_code": record.division_code,
        "issued_at": identifier.issued_at.isoformat(),
    }
    return outbox_enqueue(
        kind=IDENTIFIER_FILING,
        idempotency_key=f"{IDENTIFIER_FILING}:{identifier.code}",
        path=IDENTIFIER_FILING_PATH,
        payload=payload,
    )


def _post(*, path: str, payload: dict, idempotency_key: str) -> dict:
    request = urllib.request.Request(
        settings.UPSTREAM_NODE_URL + path,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Authorization": f"Bearer {settings.UPSTREAM_NODE_TOKEN}",
            "Idempotency-Key": idempotency_key,
        },
    )
    with urllib.request.urlopen(request, timeout=settings.UPSTREAM_TIMEOUT_SECONDS) as response:
        return json.loads(response.read() or b"{}")


def _on_delivered(message: OutboxMessage) -> None:
    if message.kind == IDENTIFIER_FILING:
        from catalog import services as catalog_services
        from catalog.models import Identifier, IdentifierState

        identifier = Identifier.objects.filter(code=message.payload["identifier"]).first()
        if identifier is not None and identifier.state == IdentifierState.ISSUED:
            catalog_services.identifier_transition(
                identifier=identifier,
                to_state=IdentifierState.FILED,
                actor=None,
                reason=f"国家节点已备案（回执 {message.response.get('receipt', '')}）。",
            )


def outbox_deliver(*, message: OutboxMessage, now: datetime.datetime | None = None) -> bool:
    """Try one message; on failure record the error and schedule the next attempt. True when delivered."""
    now = now or timezone.now()
    if not settings.UPSTREAM_NODE_URL:
        error = "UPSTREAM_NODE_URL is not configured"
        response = None
    else:
        try:
            response, error = (
                _post(path=message.path, payload=message.payload, idempotency_key=message.idempotency_key),
                "",
            )
        except urllib.error.HTTPError as exc:
            response, error = None, f"HTTP {exc.code}: {exc.read()[:500].decode(errors='replace')}"
        except (urllib.error.URLError, TimeoutError, ConnectionError, ValueError) as exc:
            response, error = None, f"{type(exc).__name__}: {exc}"
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        if message.status == OutboxStatus.SENT:
            return True
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
    due = OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now).order_by(
        "next_attempt_at", "pk"
    )
    for message in list(due[:limit]):
        counts["sent" if outbox_deliver(message=message, now=now) else "failed"] += 1
    return counts


@transaction.atomic
def identifier_filing_record(*, payload: dict, idempotency_key: str) -> tuple[IdentifierFiling, bool]:
    """National node: record a filing once; a repeat (same key or identifier) returns the first."""
    filing = IdentifierFiling.objects.filter(idempotency_key=idempotency_key).first()
    if filing is None:
        filing = IdentifierFiling.objects.filter(identifier=payload["identifier"]).first()
    if filing is not None:
        return filing, False
    filing = IdentifierFiling.objects.create(
        identifier=payload["identifier"],
        node_prefix=payload["node_prefix"],
        idempotency_key=idempotency_key,
        payload=payload,
    )
    return filing, True
