"""Requests to other nodes over pooled, kept-alive connections (httpx).

``urllib.request`` opened a new TCP connection for every request and the node at the other end set up a
new HTTP connection for it; a lookup referred down two tiers paid that twice, on top of the lookup itself.
One ``httpx.Client`` per process keeps a pool of connections per node (origin) and reuses them across
requests and threads (its pool is thread-safe: Django runs each request in its own thread). The client
is made on first use in the process that uses it (a forked process makes its own: a pool is never shared
across a fork).
"""

import os
import threading

import httpx
import orjson
from django.conf import settings

_lock = threading.Lock()
_clients: dict[int, httpx.Client] = {}  # process id -> client


class Unreachable(RuntimeError):
    """The other node did not answer over HTTP (refused, timed out, reset), or its success body was not JSON."""


def client() -> httpx.Client:
    pid = os.getpid()
    found = _clients.get(pid)
    if found is not None:
        return found
    with _lock:
        if pid not in _clients:
            _clients.clear()  # a client inherited through a fork is never used
            _clients[pid] = httpx.Client(
                trust_env=False,  # node-to-node traffic never goes through the environment's proxy
                limits=httpx.Limits(max_connections=64, max_keepalive_connections=16, keepalive_expiry=30),
            )
        return _clients[pid]


def exchange(*, method: str, url: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, dict]:
    """(HTTP status, JSON answer) of one request, error statuses included (a non-JSON error body reads as
    ``{}``); Unreachable when there is no HTTP answer or a success body is not JSON."""
    try:
        response = client().request(
            method, url, headers=headers, content=body or None, timeout=settings.UPSTREAM_TIMEOUT_SECONDS
        )
    except httpx.HTTPError as error:
        raise Unreachable(f"{type(error).__name__}: {error}") from error
    try:
        answer = orjson.loads(response.content or b"{}")
    except orjson.JSONDecodeError as error:
        if response.is_success:
            raise Unreachable(f"HTTP {response.status_code}: not a JSON answer") from error
        answer = {}
    return response.status_code, answer if isinstance(answer, dict) else {"detail": answer}
