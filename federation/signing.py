"""Signed node-to-node requests: Ed25519 over method, path, timestamp, nonce, key id, idempotency key and
body hash. Pure functions (no database); the nonce store and key lookup live in authentication.py.

Why Ed25519 (``cryptography``) rather than HMAC-SHA256: the upstream keeps only public keys, so a leak
of its registry (or a backup of it) lets nobody sign as a downstream node, and the private key never
leaves the node that made it (``node_enrol`` generates it locally and sends only the public half).
Verification costs ~0.1 ms, far below a request's own cost. The algorithm is recorded per key
(``PeerKey.algorithm``) so that SM2 with SM3 (GB/T 32918 / GB/T 32905) can be added behind this same
interface; it is not implemented in this increment.
"""

import base64
import hashlib
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

ALGORITHM = "ed25519"
SCHEME = "FEDERATION-SIG-V1"
HEADER_KEY_ID = "X-Node-Key-Id"
HEADER_TIMESTAMP = "X-Node-Timestamp"
HEADER_NONCE = "X-Node-Nonce"
HEADER_SIGNATURE = "X-Node-Signature"


@dataclass(frozen=True)
class KeyPair:
    private_key: str  # base64 of the 32 raw bytes
    public_key: str


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def generate_keypair() -> KeyPair:
    private = Ed25519PrivateKey.generate()
    return KeyPair(
        private_key=_b64(private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())),
        public_key=_b64(private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)),
    )


def canonical_string(
    *, method: str, path: str, timestamp: str, nonce: str, key_id: str, idempotency_key: str, body: bytes
) -> bytes:
    """What is signed: one field per line, the body as its SHA-256 (hex)."""
    return "\n".join(
        [SCHEME, method.upper(), path, timestamp, nonce, key_id, idempotency_key, hashlib.sha256(body).hexdigest()]
    ).encode()


def sign_headers(
    *, private_key: str, key_id: str, method: str, path: str, body: bytes, idempotency_key: str, timestamp: int
) -> dict[str, str]:
    """The headers that authenticate one request as the holder of ``private_key``."""
    nonce = secrets.token_hex(16)
    message = canonical_string(
        method=method,
        path=path,
        timestamp=str(timestamp),
        nonce=nonce,
        key_id=key_id,
        idempotency_key=idempotency_key,
        body=body,
    )
    signature = Ed25519PrivateKey.from_private_bytes(base64.b64decode(private_key)).sign(message)
    return {
        HEADER_KEY_ID: key_id,
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: _b64(signature),
    }


def signature_valid(*, public_key: str, signature: str, message: bytes) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key, validate=True))
        key.verify(base64.b64decode(signature, validate=True), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def public_key_valid(public_key: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key, validate=True))
    except ValueError:
        return False
    return True
