"""Putting a message in the outbox (delivery is in services.py); imported by every sender."""

from django.db import transaction
from django.utils import timezone

from .models import OutboxMessage


@transaction.atomic
def outbox_enqueue(*, kind: str, idempotency_key: str, path: str, payload: dict, peer=None) -> OutboxMessage:
    """Queue a message once per idempotency key (a repeat returns the existing message): to the upstream
    node, or down to ``peer`` (a node enrolled here) when given."""
    message, _ = OutboxMessage.objects.get_or_create(
        idempotency_key=idempotency_key,
        defaults={"kind": kind, "path": path, "payload": payload, "next_attempt_at": timezone.now(), "peer": peer},
    )
    return message
