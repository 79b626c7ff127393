"""This node's own signing key (``NodeKey``) for requests down to the nodes enrolled below it (lookups
referred down, holds on their capacity), made on first use. Signing downward uses the same scheme as upward
(signing.py); the node below verifies with the public key it received at enrolment (authentication.py,
downlink.py)."""

import secrets
import time

from django.db import IntegrityError, transaction

from . import signing
from .models import NodeKey
from .selectors import node_prefix


def _live():
    return NodeKey.objects.filter(revoked_at__isnull=True).order_by("-created_at").first()


def node_key() -> NodeKey:
    """The live key. A plain read when it exists: a node below may ask for it while this node's own
    transaction (on SQLite, the write lock) waits for that node's answer."""
    key = _live()
    if key is not None:
        return key
    pair = signing.generate_keypair()
    try:
        with transaction.atomic():
            return NodeKey.objects.create(
                key_id=f"{node_prefix()}:node:{secrets.token_hex(6)}",
                private_key=pair.private_key,
                public_key=pair.public_key,
            )
    except IntegrityError:  # another process made it at the same moment
        return _live()


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
    )
