"""The signature algorithms a node may sign its requests with (``NODE_SIGNATURE_ALGORITHM``); signing.py
picks one by the name every key record carries (``PeerKey``, ``NodeKey``, ``UpstreamKey``,
``UpstreamLink.algorithm``), so a network of mixed nodes verifies each key with its own algorithm.

- ``ed25519`` (default): ``cryptography``'s Ed25519. Keys: 32 raw bytes each, Base64.
- ``sm2``: SM2 signatures (GB/T 32918.2) with the SM3 digest (GB/T 32905), signer id
  ``1234567812345678`` (GM/T 0009 default), through ``gmssl_pyx``, the C extension of GmSSL 3.2 (the
  reference open-source implementation of the Chinese commercial algorithms). Why this library:
  ``cryptography`` has SM3 and SM4 but no SM2; ``gmssl`` (pure Python) draws the signature nonce from
  ``random`` (a Mersenne Twister, predictable: a predicted nonce gives away the private key) and was last
  released in 2023; ``gmalg`` (pure Python, sound) takes ~45 ms to sign and ~70 ms to verify, more than a
  whole lookup may cost; ``tongsuopy`` (fast) has had one release, in 2023. ``gmssl_pyx`` verifies in
  ~0.7 ms and signs a digest in ~0.3 ms, is released for current Pythons, and interoperates with the others (checked
  against ``gmalg`` and ``tongsuopy`` when choosing, against the standard's example in
  tests/federation/test_sm2_signatures.py).
  Keys: the public key is the uncompressed point ``04 || x || y`` (65 bytes, Base64); the private key
  Base64 of ``d || x || y`` (96 bytes: GmSSL signs with both halves, and the public half is needed for the
  SM3 ``Z`` value of GB/T 32918.2). Signatures are DER ``SEQUENCE {r, s}`` (GM/T 0009), Base64. GmSSL's
  trace lines for a signature that does not verify are kept off standard error (gmssl_quiet.py).

The canonical string of a request (signing.py) names the scheme and hashes the body with the algorithm's
own digest (SHA-256 for Ed25519, SM3 for SM2), so an SM2 node uses only SM2/SM3 end to end.
"""

import base64
import hashlib

import gmssl_pyx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from .gmssl_quiet import without_trace


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


class Ed25519:
    name = "ed25519"
    scheme = "FEDERATION-SIG-V1"

    @staticmethod
    def body_digest(body: bytes) -> str:
        return hashlib.sha256(body).hexdigest()

    @staticmethod
    def generate() -> tuple[str, str]:
        private = Ed25519PrivateKey.generate()
        return (
            b64(private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())),
            b64(private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)),
        )

    @staticmethod
    def sign(private_key: str, message: bytes) -> str:
        return b64(Ed25519PrivateKey.from_private_bytes(base64.b64decode(private_key)).sign(message))

    @staticmethod
    def verify(public_key: str, signature: str, message: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(unb64(public_key)).verify(unb64(signature), message)
        except (InvalidSignature, ValueError):
            return False
        return True

    @staticmethod
    def public_key_valid(public_key: str) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(unb64(public_key))
        except ValueError:
            return False
        return True


class SM2:
    name = "sm2"
    scheme = "FEDERATION-SIG-V1-SM2"
    POINT = 0x04  # uncompressed point marker (GB/T 32918.1, 4.2.9)
    SIGNER_ID = b"1234567812345678"  # GM/T 0009 default user id
    # Z's curve part (GB/T 32918.2, 5.5): a, b, xG, yG of the recommended curve (GB/T 32918.5)
    CURVE = bytes.fromhex(
        "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC"
        "28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93"
        "32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7"
        "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0"
    )

    @staticmethod
    def body_digest(body: bytes) -> str:
        return sm3_hex(body)

    @classmethod
    def generate(cls) -> tuple[str, str]:
        public, private = gmssl_pyx.sm2_key_generate()  # 64-byte x || y, 32-byte d
        return b64(private + public), b64(bytes([cls.POINT]) + public)

    @classmethod
    def sign(cls, private_key: str, message: bytes) -> str:
        """e = SM3(Z ‖ M), Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA), signed by GmSSL: a tenth of the time
        of ``gmssl_pyx.sm2_sign``, which also checks the key pair on every call. Verification stays GmSSL's
        own (``sm2_verify`` computes Z itself), so a wrong Z here could not go unnoticed."""
        raw = base64.b64decode(private_key)
        entity = (len(cls.SIGNER_ID) * 8).to_bytes(2, "big") + cls.SIGNER_ID + cls.CURVE + raw[32:]
        digest = bytes.fromhex(sm3_hex(bytes.fromhex(sm3_hex(entity)) + message))
        return b64(gmssl_pyx.sm2_sign_sm3_digest(raw[:32], digest))

    @classmethod
    def _point(cls, public_key: str) -> bytes | None:
        try:
            raw = unb64(public_key)
        except ValueError:
            return None
        if len(raw) != 65 or raw[0] != cls.POINT:
            return None
        return raw[1:]

    @classmethod
    def verify(cls, public_key: str, signature: str, message: bytes) -> bool:
        point = cls._point(public_key)
        try:
            der = unb64(signature)
        except ValueError:
            return False
        if point is None or not 8 <= len(der) <= 72 or der[0] != 0x30:  # DER SEQUENCE of two ≤ 33-byte INTEGERs
            return False
        try:
            return bool(without_trace(gmssl_pyx.sm2_verify, point, message, der))
        except gmssl_pyx.GmsslInnerError:
            return False

    @classmethod
    def public_key_valid(cls, public_key: str) -> bool:
        point = cls._point(public_key)
        if point is None:
            return False
        try:
            gmssl_pyx.normalize_sm2_public_key(point)  # refuses a point that is not on the curve
        except gmssl_pyx.GmsslInnerError:
            return False
        return True


ALGORITHMS = {algorithm.name: algorithm for algorithm in (Ed25519, SM2)}
