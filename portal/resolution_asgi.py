"""Cached identifier resolution in front of Django's ASGI handler: a hit is one cache read and a response.

A node resolves identifiers of other nodes by asking them (catalog.resolution) and keeps their answers in
the cache (``identifier-resolution:<identifier>``: found for IDENTIFIER_RESOLUTION_CACHE_SECONDS, not found
for IDENTIFIER_NEGATIVE_CACHE_SECONDS; a state change received from below deletes the entry). Through
Django a hit still pays for a thread hop, the middleware chain (sessions, locale, CSRF, authentication,
second factor, audit context, metrics), DRF's authentication, throttling and content negotiation: about
ten times the cost of the answer. ``ResolutionCacheASGI`` answers ``GET /api/v1/identifiers/<identifier>/``
straight from that cache entry, with the body Django would render (``cached: true``) and the headers
Django sent with this process's last resolution answer (security headers included); anything else — a
miss, the first request of the process, a signed node request, a query string, another method — goes to
Django unchanged.

What a hit skips, on purpose: the anonymous rate limit (it protects the upstream nodes a miss asks and the
database a local answer reads; a hit costs less than the limiter's own bookkeeping) and signature checks
(a signed request is verified, see below).

Signed lookups between nodes (a node below asking upward, the node above referring a lookup down) are
resolved here too, hit or miss: the signature is checked by the same code as in Django
(federation.authentication: key, window, nonce), then ``identifier_resolve`` runs in a small pool of
threads of this front, whose database connections stay open between lookups (Django's handler opens and
closes one per request, and runs the whole middleware chain and DRF around a lookup that needs none of
them). Nodes are not rate-limited as anonymous visitors in Django either. Anything the front cannot vouch
for — an unknown or bad key, a replay, a stale timestamp, a request anonymous after all — goes to Django
untouched (nothing is recorded before the signature verified), which answers it as before (401/403).
A referral down two tiers thus costs one Django request at the node asked, not three.
"""

import asyncio
import functools
import io
import logging
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.cache import cache
from django.core.handlers.asgi import ASGIRequest
from django.db import Error as DatabaseError
from django.db import connections
from django.utils import translation
from rest_framework.exceptions import APIException
from rest_framework.renderers import JSONRenderer

from catalog.resolution import CACHE_PREFIX, Resolution, identifier_resolve
from federation.authentication import OptionalNodeSignatureAuthentication
from organizations.identifiers import normalize

logger = logging.getLogger(__name__)

PATH = "/api/v1/identifiers/"
ROUTE = "v1:identifier-resolve:cache"  # the route label of hits in node_http_request_duration_seconds
SIGNED_ROUTE = "v1:identifier-resolve:node"  # ... and of signed lookups answered here
# threads of the signed path: each keeps its database connection (a lookup referred down waits for the
# node below, so a few run at once); created on first use, per process
_POOL_SIZE = 4
# headers of Django's answer that belong to that one response, not to every answer (the body is the
# answering node's, whatever language the asker prefers)
PER_RESPONSE = {b"content-length", b"content-language", b"set-cookie", b"date", b"server"}
SIGNED = b"x-node-key-id"


@functools.cache
def _hit_latency():
    from monitoring.metrics.prom import REQUEST_LATENCY

    return REQUEST_LATENCY.labels("GET", ROUTE, "200")


def _signed_latency(status: int):
    from monitoring.metrics.prom import REQUEST_LATENCY

    return REQUEST_LATENCY.labels("GET", SIGNED_ROUTE, str(status))


@functools.cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=_POOL_SIZE, thread_name_prefix="resolution")


def _code(scope) -> tuple[str | None, bool]:
    """(the identifier a request resolves when this front may answer it, else None; is it signed)."""
    if scope["type"] != "http" or scope["method"] != "GET" or scope.get("query_string"):
        return None, False
    path = scope["path"]
    if not path.startswith(PATH) or not path.endswith("/") or len(path) <= len(PATH) + 1:
        return None, False
    signed = any(name.lower() == SIGNED for name, _value in scope.get("headers", ()))
    return normalize(path[len(PATH) : -1]), signed


def resolve_signed(scope) -> Resolution | None:
    """The answer to a signed lookup whose signature verifies (None: Django must answer it). Runs in the
    front's threads."""
    request = ASGIRequest(scope, io.BytesIO(b""))
    try:
        identity = OptionalNodeSignatureAuthentication().authenticate(request)
    except APIException:
        return None  # Django answers with the same refusal (and the reason in its body)
    except DatabaseError:
        connections.close_all()  # this thread's connection broke: a new one next time
        return None
    if identity is None:
        return None  # anonymous after all (enrolled before keys were handed over): rate-limited in Django
    with translation.override(settings.LANGUAGE_CODE):
        try:
            return identifier_resolve(code=normalize(scope["path"][len(PATH) : -1]))
        except DatabaseError:
            connections.close_all()
            logger.exception("signed lookup of %s failed", scope["path"])
            return Resolution(503, {"detail": translation.gettext("节点暂时无法完成解析，请稍后再试。")})


class ResolutionCacheASGI:
    """ASGI middleware: ``ResolutionCacheASGI(app)`` (portal/asgi.py)."""

    def __init__(self, app):
        self.app = app
        self.headers: dict[int, list[tuple[bytes, bytes]]] = {}  # status -> headers of Django's last answer

    async def __call__(self, scope, receive, send):
        code, signed = _code(scope)
        if code is None:
            return await self.app(scope, receive, send)
        if signed:
            return await self._signed(scope, receive, send)
        started = time.perf_counter()
        entry = cache.get(CACHE_PREFIX + code)
        headers = self.headers.get(entry["status"]) if entry is not None else None
        if headers is None:
            return await self.app(scope, receive, self._learning(send))
        if not await _request_read(receive):
            return  # the client left
        await self._answer(send, entry["status"], {**entry["body"], "cached": True}, headers)
        _hit_latency().observe(time.perf_counter() - started)

    async def _signed(self, scope, receive, send):
        if not self.headers:
            return await self.app(scope, receive, self._learning(send))  # the headers of Django's answer first
        started = time.perf_counter()
        loop = asyncio.get_running_loop()
        resolution = await loop.run_in_executor(_pool(), resolve_signed, scope)
        if resolution is None:
            return await self.app(scope, receive, send)  # nothing read or recorded yet
        if not await _request_read(receive):
            return
        headers = self.headers.get(resolution.status) or next(iter(self.headers.values()))
        await self._answer(send, resolution.status, resolution.body, headers)
        _signed_latency(resolution.status).observe(time.perf_counter() - started)

    @staticmethod
    async def _answer(send, status: int, body: dict, headers) -> None:
        content = JSONRenderer().render(body)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [*headers, (b"content-length", str(len(content)).encode("ascii"))],
            }
        )
        await send({"type": "http.response.body", "body": content})

    def _learning(self, send):
        """``send`` that remembers the headers of Django's resolution answers (found and not found)."""

        async def learning_send(message):
            if message["type"] == "http.response.start" and message["status"] in (200, 404):
                self.headers[message["status"]] = [
                    (name, value) for name, value in message.get("headers", ()) if name.lower() not in PER_RESPONSE
                ]
            await send(message)

        return learning_send


async def _request_read(receive) -> bool:
    """Read the (empty) request body; False when the client left instead."""
    message = await receive()
    while message["type"] == "http.request" and message.get("more_body"):
        message = await receive()
    return message["type"] == "http.request"
