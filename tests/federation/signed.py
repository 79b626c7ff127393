"""Helpers for the in-process federation tests: enrol a node in this database, send signed requests."""

import json
import time
from dataclasses import dataclass

from federation import signing
from federation.models import Peer, UpstreamLink
from federation.registry import enrolment_accept, enrolment_code_issue


@dataclass
class Enrolled:
    peer: Peer
    key_id: str
    keys: signing.KeyPair

    def headers(self, *, method: str, path: str, body: bytes, idempotency_key: str = "", timestamp=None) -> dict:
        signed = signing.sign_headers(
            private_key=self.keys.private_key,
            key_id=self.key_id,
            method=method,
            path=path,
            body=body,
            idempotency_key=idempotency_key,
            timestamp=int(time.time()) if timestamp is None else timestamp,
            algorithm=self.keys.algorithm,
        )
        meta = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in signed.items()}
        if idempotency_key:
            meta["HTTP_IDEMPOTENCY_KEY"] = idempotency_key
        return meta

    def post(self, client, path: str, payload: dict, *, key: str = "", **overrides):
        body = json.dumps(payload).encode()
        meta = self.headers(method="POST", path=path, body=body, idempotency_key=key)
        meta.update(overrides)
        return client.post(path, body, content_type="application/json", **meta)

    def link(self, *, url: str, upstream_prefix: str = "CN") -> UpstreamLink:
        """Make this database also the enrolled downstream side (for loopback tests on one database)."""
        return UpstreamLink.objects.create(
            url=url,
            upstream_prefix=upstream_prefix,
            upstream_name="上级节点",
            prefix=self.peer.prefix,
            role=self.peer.role,
            key_id=self.key_id,
            algorithm=self.keys.algorithm,
            private_key=self.keys.private_key,
            enrolled_at=self.peer.enrolled_at,
        )


def enrol(
    *, segment: str, name: str = "测试节点", url: str = "http://127.0.0.1:9", algorithm: str = signing.ALGORITHM
) -> Enrolled:
    """Enrol a node below this one through the real code → handshake path (without HTTP)."""
    code, row = enrolment_code_issue(segment=segment, name=name)
    keys = signing.generate_keypair(algorithm)
    peer, key = enrolment_accept(code=code, role=row.role, url=url, public_key=keys.public_key, algorithm=algorithm)
    return Enrolled(peer=peer, key_id=key.key_id, keys=keys)
