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

A miss is answered here too when Django's view would answer it with a lookup and nothing else — a signed
lookup between nodes, or an anonymous one within the rate limit — in a pool of threads with database
connections kept open (portal/resolution_front.py); a referral down two tiers thus costs no middleware
chain at any tier. Anything else goes to Django untouched.
"""

import asyncio
import functools
import time

from django.core.cache import cache
from rest_framework.renderers import JSONRenderer

from catalog.resolution import CACHE_PREFIX
from organizations.identifiers import normalize

from .resolution_front import pool, resolve_in_front

PATH = "/api/v1/identifiers/"
ROUTE = "v1:identifier-resolve:cache"  # the route label of hits in node_http_request_duration_seconds
# headers of Django's answer that belong to that one response, not to every answer (the body is the
# answering node's, whatever language the asker prefers)
PER_RESPONSE = {b"content-length", b"content-language", b"set-cookie", b"date", b"server"}
SIGNED = b"x-node-key-id"
PRIVATE = {b"cookie", b"authorization"}  # a visitor with a session or credentials: Django answers


@functools.cache
def _hit_latency():
    from monitoring.metrics.prom import REQUEST_LATENCY

    return REQUEST_LATENCY.labels("GET", ROUTE, "200")


def _code(scope) -> tuple[str | None, bool | None]:
    """(the identifier a request resolves when this front may answer it, else None; signed: True, anonymous:
    False, a visitor with a cookie or credentials: None — only a cache hit is answered for them)."""
    if scope["type"] != "http" or scope["method"] != "GET" or scope.get("query_string"):
        return None, None
    path = scope["path"]
    if not path.startswith(PATH) or not path.endswith("/") or len(path) <= len(PATH) + 1:
        return None, None
    names = {name.lower() for name, _value in scope.get("headers", ())}
    signed = True if SIGNED in names else (None if names & PRIVATE else False)
    return normalize(path[len(PATH) : -1]), signed


class ResolutionCacheASGI:
    """ASGI middleware: ``ResolutionCacheASGI(app)`` (portal/asgi.py)."""

    def __init__(self, app):
        self.app = app
        self.headers: dict[int, list[tuple[bytes, bytes]]] = {}  # status -> headers of Django's last answer

    async def __call__(self, scope, receive, send):
        code, signed = _code(scope)
        if code is None:
            return await self.app(scope, receive, send)
        if not signed:
            started = time.perf_counter()
            entry = cache.get(CACHE_PREFIX + code)
            headers = self.headers.get(entry["status"]) if entry is not None else None
            if headers is not None:
                if await _request_read(receive):
                    await self._answer(send, entry["status"], {**entry["body"], "cached": True}, headers)
                    _hit_latency().observe(time.perf_counter() - started)
                return
        if signed is None or not self.headers:
            return await self.app(scope, receive, self._learning(send))  # Django's answer (its headers learnt)
        resolution = await asyncio.get_running_loop().run_in_executor(
            pool(), functools.partial(resolve_in_front, scope, signed=signed)
        )
        if resolution is None:
            return await self.app(scope, receive, self._learning(send))  # nothing read from the client yet
        if await _request_read(receive):
            headers = self.headers.get(resolution.status) or next(iter(self.headers.values()))
            await self._answer(send, resolution.status, resolution.body, headers)

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
