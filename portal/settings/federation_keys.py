"""Signed requests between nodes (federation app): the signature algorithm, the keys sealing private keys at
rest, rotation of the downward key and enrolment codes; imported by base.py."""

import environ

_env = environ.Env()

# Signed node requests (federation/signing.py): accepted clock skew; nonces are kept twice as long.
FEDERATION_SIGNATURE_WINDOW_SECONDS = _env.int("FEDERATION_SIGNATURE_WINDOW_SECONDS", default=300)
# The algorithm of this node's own signing keys: "ed25519" or "sm2" (SM2/SM3, 商用密码; docs/signatures.md).
NODE_SIGNATURE_ALGORITHM = _env.str("NODE_SIGNATURE_ALGORITHM", default="ed25519")
if NODE_SIGNATURE_ALGORITHM not in ("ed25519", "sm2"):
    raise environ.ImproperlyConfigured(f"NODE_SIGNATURE_ALGORITHM: ed25519 or sm2, not {NODE_SIGNATURE_ALGORITHM!r}")
# Fernet keys (newest first) sealing this node's private signing keys at rest; production.py requires them.
FEDERATION_SEALING_KEYS = _env.list("FEDERATION_SEALING_KEYS", default=[])
# Rotation of the downward key (node_key_rotate): the retired key's overlap window; the nodes below re-read the
# published keys when theirs are older than the TTL (≤ the overlap: federation/checks.py).
FEDERATION_KEY_OVERLAP_SECONDS = _env.int("FEDERATION_KEY_OVERLAP_SECONDS", default=24 * 60 * 60)
FEDERATION_UPSTREAM_KEYS_TTL_SECONDS = _env.int("FEDERATION_UPSTREAM_KEYS_TTL_SECONDS", default=300)
# One-time enrolment codes (manage.py node_enrolment_code) expire after this many hours.
FEDERATION_ENROLMENT_CODE_HOURS = _env.int("FEDERATION_ENROLMENT_CODE_HOURS", default=72)
# The integration self-test (catalog/network_selftest.py) waits this long for the national acknowledgement.
FEDERATION_SELFTEST_WAIT_SECONDS = _env.int("FEDERATION_SELFTEST_WAIT_SECONDS", default=30)
