"""This node's own signing key (``NodeKey``) for requests down to the nodes enrolled below it, made on first
use. Signing downward uses the same scheme as upward (signing.py); the node below verifies with the public
key it received at enrolment (authentication.py)."""

import secrets
import time

from django.db import IntegrityError, transaction

from . import signing
from .models import NodeKey
from .selectors import node_prefix


def node_key() -> NodeKey:
    key = NodeKey.objects.order_by("pk").first()
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
        return NodeKey.objects.order_by("pk").first()


def downward_signature_headers(*, method: str, path: str) -> dict[str, str]:
    """Signature headers of a body-less request to a node below, as this node."""
    key = node_key()
    return signing.sign_headers(
        private_key=key.private_key,
        key_id=key.key_id,
        method=method,
        path=path,
        body=b"",
        idempotency_key="",
        timestamp=int(time.time()),
    )
