"""Signed node-to-node requests: a signature over method, path, timestamp, nonce, key id, idempotency key
and body digest. Pure functions (no database); the nonce store and key lookup live in authentication.py.

Why public-key signatures rather than HMAC-SHA256: the upstream keeps only public keys, so a leak of its
registry (or a backup of it) lets nobody sign as a downstream node, and the private key never leaves the
node that made it (``node_enrol`` generates it locally and sends only the public half).

Two algorithms (signature_algorithms.py): Ed25519 (default) and SM2 with SM3 (GB/T 32918 / GB/T 32905,
商用密码). A node signs with the one its settings name (``NODE_SIGNATURE_ALGORITHM``); every key record
carries its algorithm and the verifier takes it from there (never from the request), so nodes of both
kinds verify each other and a request cannot choose a weaker check for itself.
"""

import secrets
from dataclasses import dataclass

from django.conf import settings

from .signature_algorithms import ALGORITHMS, Ed25519

ALGORITHM = Ed25519.name  # the default, and the algorithm of every key recorded before SM2 was offered
SCHEME = Ed25519.scheme
HEADER_KEY_ID = "X-Node-Key-Id"
HEADER_TIMESTAMP = "X-Node-Timestamp"
HEADER_NONCE = "X-Node-Nonce"
HEADER_SIGNATURE = "X-Node-Signature"


@dataclass(frozen=True)
class KeyPair:
    private_key: str  # Base64 (encoding per algorithm: signature_algorithms.py)
    public_key: str
    algorithm: str = ALGORITHM


def node_algorithm() -> str:
    """The algorithm this node makes its own keys with."""
    return settings.NODE_SIGNATURE_ALGORITHM


def algorithm_supported(algorithm: str) -> bool:
    return algorithm in ALGORITHMS


def generate_keypair(algorithm: str = ALGORITHM) -> KeyPair:
    private_key, public_key = ALGORITHMS[algorithm].generate()
    return KeyPair(private_key=private_key, public_key=public_key, algorithm=algorithm)


def canonical_string(
    *,
    method: str,
    path: str,
    timestamp: str,
    nonce: str,
    key_id: str,
    idempotency_key: str,
    body: bytes,
    algorithm: str = ALGORITHM,
) -> bytes:
    """What is signed: one field per line, the body as its digest (hex): SHA-256, or SM3 for SM2."""
    scheme = ALGORITHMS[algorithm]
    return "\n".join(
        [scheme.scheme, method.upper(), path, timestamp, nonce, key_id, idempotency_key, scheme.body_digest(body)]
    ).encode()


def sign_headers(
    *,
    private_key: str,
    key_id: str,
    method: str,
    path: str,
    body: bytes,
    idempotency_key: str,
    timestamp: int,
    algorithm: str = ALGORITHM,
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
        algorithm=algorithm,
    )
    return {
        HEADER_KEY_ID: key_id,
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: ALGORITHMS[algorithm].sign(private_key, message),
    }


def signature_valid(*, public_key: str, signature: str, message: bytes, algorithm: str = ALGORITHM) -> bool:
    scheme = ALGORITHMS.get(algorithm)
    return scheme is not None and scheme.verify(public_key, signature, message)


def public_key_valid(public_key: str, algorithm: str = ALGORITHM) -> bool:
    scheme = ALGORITHMS.get(algorithm)
    return scheme is not None and scheme.public_key_valid(public_key)
