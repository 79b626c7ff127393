"""HTTP to the upstream node: signed with this node's enrolment key (signing.py)."""

import json
import time
import urllib.error
import urllib.request

import orjson
from django.conf import settings

from . import signing
from .selectors import upstream_link, upstream_url


class NotEnrolled(RuntimeError):
    pass


def signed_request(
    *, method: str, path: str, payload: dict | None = None, idempotency_key: str = "", link=None, base: str = ""
) -> dict:
    """Send one signed request upstream and return the JSON answer (HTTPError / URLError propagate).
    ``link`` and ``base`` (this node's UpstreamLink and the upstream URL) may be passed by a caller that
    sends from another thread (no database there)."""
    link = link or upstream_link()
    base = base or upstream_url()
    if link is None or not base:
        raise NotEnrolled("this node is not enrolled with an upstream node (run manage.py node_enrol)")
    body = b"" if payload is None else orjson.dumps(payload, option=orjson.OPT_NON_STR_KEYS)
    headers = {"Accept": "application/json"}
    if payload is not None:
        headers["Content-Type"] = "application/json"
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    headers.update(
        signing.sign_headers(
            private_key=link.private_key,
            key_id=link.key_id,
            method=method,
            path=path,
            body=body,
            idempotency_key=idempotency_key,
            timestamp=int(time.time()),
            algorithm=link.algorithm,
        )
    )
    request = urllib.request.Request(base + path, data=body or None, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=settings.UPSTREAM_TIMEOUT_SECONDS) as response:
        return json.loads(response.read() or b"{}")


def signature_headers(*, method: str, path: str) -> dict[str, str]:
    """Signature headers of a body-less request to the upstream node as this node (empty when not
    enrolled): the upstream then knows an enrolled node asks (resolution: no anonymous rate limit)."""
    link = upstream_link()
    if link is None:
        return {}
    return signing.sign_headers(
        private_key=link.private_key,
        key_id=link.key_id,
        method=method,
        path=path,
        body=b"",
        idempotency_key="",
        timestamp=int(time.time()),
        algorithm=link.algorithm,
    )


def enrol_request(*, base_url: str, payload: dict) -> tuple[int, dict]:
    """The unsigned enrolment handshake (the one-time code is the proof)."""
    request = urllib.request.Request(
        base_url.rstrip("/") + "/api/v1/federation/enrol/",
        data=json.dumps(payload, ensure_ascii=False).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    return json_exchange(request)


def json_exchange(request: urllib.request.Request) -> tuple[int, dict]:
    """(HTTP status, JSON answer) of one request to another node, error statuses included; the transport's
    own errors (URLError, TimeoutError, ConnectionError, a non-JSON success body) propagate."""
    try:
        with urllib.request.urlopen(request, timeout=settings.UPSTREAM_TIMEOUT_SECONDS) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read() or b"{}")
        except ValueError:
            return error.code, {}
