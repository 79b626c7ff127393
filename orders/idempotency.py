"""Idempotency keys of writes over the standard interface, kept in the database (``ApiIdempotencyRecord``).

A caller may send ``Idempotency-Key`` with a write. The first request with a key claims it
(``idempotency_claim``) inside the write's own transaction and stores its answer there
(``idempotency_complete``): the record commits with the write or not at all. A retry carrying the same
key and the same request (fingerprint of method, path and validated body) gets the stored answer again
(``idempotency_replay``), whichever process it reaches; the same key with a different request raises
``IdempotencyMismatch`` (the view answers 422). A concurrent retry blocks on the claim's unique row until
the first commits, then replays it. Keys belong to their caller: another caller's same key is a new key.
``idempotency_prune`` (the periodic task ``api_idempotency_prune``) deletes records older than 24 hours.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.utils.encoders import JSONEncoder

from .models import ApiIdempotencyRecord

HEADER = "Idempotency-Key"
KEY_MAX_LENGTH = 128
RETENTION = timedelta(hours=24)


class IdempotencyMismatch(Exception):
    """The key was used by this caller for a different request."""

    def __init__(self) -> None:
        super().__init__(_("该幂等键已用于内容不同的请求，请为新请求使用新的幂等键。"))


class IdempotencyKeyInvalid(Exception):
    def __init__(self) -> None:
        super().__init__(_("幂等键不能超过 %(n)s 个字符。") % {"n": KEY_MAX_LENGTH})


class IdempotencyKeyTaken(Exception):
    """Another request with this key committed first (the caller replays its answer)."""


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: dict


def idempotency_key_of(*, headers) -> str | None:
    """The request's key (stripped), ``None`` without one; ``IdempotencyKeyInvalid`` when too long."""
    key = (headers.get(HEADER) or "").strip()
    if len(key) > KEY_MAX_LENGTH:
        raise IdempotencyKeyInvalid
    return key or None


def idempotency_fingerprint(*, method: str, path: str, data: dict) -> str:
    text = json.dumps([method.upper(), path, data], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _fresh(queryset):
    return queryset.filter(created_at__gt=timezone.now() - RETENTION)


def idempotency_replay(*, caller, key: str, fingerprint: str) -> Answer | None:
    """The stored answer of this caller's earlier request with ``key`` (committed, within 24 hours), or
    ``None``; ``IdempotencyMismatch`` when that request was a different one."""
    record = _fresh(ApiIdempotencyRecord.objects.filter(caller=caller, key=key)).first()
    if record is None or not record.status_code:
        return None
    if record.fingerprint != fingerprint:
        raise IdempotencyMismatch
    return Answer(status_code=record.status_code, body=record.body)


def idempotency_claim(*, caller, key: str, fingerprint: str) -> ApiIdempotencyRecord:
    """Claim ``key`` in the caller's (the write's) transaction. ``IdempotencyKeyTaken`` when a request with
    the same key committed first, or while it runs (PostgreSQL waits for it on the unique index)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("idempotency_claim must run in the transaction of the write it answers")
    _expired = ApiIdempotencyRecord.objects.filter(caller=caller, key=key, created_at__lte=timezone.now() - RETENTION)
    _expired.delete()  # a key older than the retention may be used again
    try:
        with transaction.atomic():
            return ApiIdempotencyRecord.objects.create(caller=caller, key=key, fingerprint=fingerprint)
    except IntegrityError:
        raise IdempotencyKeyTaken from None


def idempotency_complete(*, record: ApiIdempotencyRecord, status_code: int, body: dict) -> None:
    """Store the answer (as the JSON renderer writes it), in the same transaction as the claim and the write."""
    record.status_code = status_code
    record.body = json.loads(json.dumps(body, cls=JSONEncoder))
    record.save(update_fields=["status_code", "body"])


def idempotency_prune(*, now=None) -> int:
    """Delete records older than the retention (24 hours); returns how many."""
    cutoff = (now or timezone.now()) - RETENTION
    deleted, _by_model = ApiIdempotencyRecord.objects.filter(created_at__lte=cutoff).delete()
    return deleted
