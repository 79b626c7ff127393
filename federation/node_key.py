"""This node's own signing key (``NodeKey``) for requests down to the nodes enrolled below it (lookups
referred down, holds on their capacity), made on first use with ``NODE_SIGNATURE_ALGORITHM``. Signing
downward uses the same scheme as upward (signing.py); the node below verifies with the keys this node
publishes (``GET /api/v1/federation/node-key/``, downlink.py; federation/upstream_keys.py below).

Rotation (``node_keys_replace`` here; the service that also tells the nodes below is
``key_rotation.node_key_rotate``, behind ``manage.py node_key_rotate`` and the admin action): a new key signs
from now on; the old one stops signing and stays published, valid below, until the end of the overlap window
(``retires_at``); after it, the nodes below refuse it. An overlap of 0 withdraws it at once (a leaked key).
"""

import datetime
import secrets
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from . import signing
from .models import NodeKey, UpstreamLink
from .selectors import node_prefix


def _live():
    return NodeKey.objects.filter(revoked_at__isnull=True).order_by("-created_at").first()


def _create() -> NodeKey:
    pair = signing.generate_keypair(signing.node_algorithm())
    return NodeKey.objects.create(
        key_id=f"{node_prefix()}:node:{secrets.token_hex(6)}",
        algorithm=pair.algorithm,
        private_key=pair.private_key,
        public_key=pair.public_key,
    )


def node_key() -> NodeKey:
    """The live key. A plain read when it exists: a node below may ask for it while this node's own
    transaction (on SQLite, the write lock) waits for that node's answer."""
    key = _live()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            return _create()
    except IntegrityError:  # another process made it at the same moment
        return _live()


@transaction.atomic
def node_keys_replace(*, overlap_seconds: int | None = None) -> tuple[NodeKey, list[NodeKey]]:
    """A new live key; the keys live until now stop signing and stay valid below for ``overlap_seconds``
    (default ``FEDERATION_KEY_OVERLAP_SECONDS``). Returns (the new key, the retired ones)."""
    if overlap_seconds is None:
        overlap_seconds = settings.FEDERATION_KEY_OVERLAP_SECONDS
    now = timezone.now()
    retires_at = now + datetime.timedelta(seconds=max(overlap_seconds, 0))
    retired = list(NodeKey.objects.select_for_update().filter(revoked_at__isnull=True))
    NodeKey.objects.filter(pk__in=[key.pk for key in retired]).update(revoked_at=now, retires_at=retires_at)
    for key in retired:
        key.revoked_at, key.retires_at = now, retires_at
    return _create(), retired


def node_keys_published() -> list[NodeKey]:
    """The keys the nodes below may accept now: the live one first, then the retired ones still inside their
    overlap window."""
    now = timezone.now()
    return list(
        NodeKey.objects.filter(Q(revoked_at__isnull=True) | Q(retires_at__gt=now)).order_by(
            F("revoked_at").asc(nulls_first=True), "-created_at"
        )
    )


def downward_signature_headers(
    *, method: str, path: str, body: bytes = b"", idempotency_key: str = ""
) -> dict[str, str]:
    """Signature headers of a request to a node below, as this node."""
    key = node_key()
    return signing.sign_headers(
        private_key=key.private_key,
        key_id=key.key_id,
        method=method,
        path=path,
        body=body,
        idempotency_key=idempotency_key,
        timestamp=int(time.time()),
        algorithm=key.algorithm,
    )


@transaction.atomic
def private_keys_reseal() -> int:
    """Seal every private key of this node (its downward keys, its upstream credential) again under the first
    key of ``FEDERATION_SEALING_KEYS``; returns how many were rewritten. Loading opens each with any key of
    the list (``Unsealable`` when none does: nothing is rewritten then)."""
    count = 0
    for model in (NodeKey, UpstreamLink):
        for row in model.objects.select_for_update().order_by("pk"):
            model.objects.filter(pk=row.pk).update(private_key=row.private_key)  # sealed anew on the way in
            count += 1
    return count
