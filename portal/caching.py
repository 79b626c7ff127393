"""Whole-page cache for anonymous visitors, invalidated by what the page depends on.

A view (``@cache_for_anonymous`` of infra.cacheable) or a Wagtail page (``PortalPageMixin.serve``) marks its response as
cacheable and names what it depends on: ``"pages"`` (published Wagtail content, campaigns),
``"catalog"`` (providers, sites, records and identifiers, apart from records' live figures), ``"live"``
(any record's live figures: a list sorted by price) and the records whose live figures it shows
(``mark_shows_records``): a status change of one record drops only the pages that show it.

``AnonymousPageCacheMiddleware`` is the *first* middleware: it stores the finished response, with
every header the rest of the chain set, and serves it again before any other middleware runs (in
the event loop under ASGI: no sync middleware, session, authentication, CSRF, locale or Wagtail
work on a hit). Django's ASGI handler around it still costs a thread and two thread hops per
request, so ``portal.cache_asgi.AnonymousPageCacheASGI`` serves the same entries one step earlier,
in front of that handler, when ``portal/asgi.py`` wraps the HTTP application with it. What an entry
holds, which requests qualify and how the per-visitor parts (CSP nonce, CSRF token and cookie) are
made fresh for each response: ``portal.cache_entries``.

Generations and record tokens are in the cache (``portal.cache_generations``), bumped by every process
when it reads a change from the change feed (``portal.cache_invalidation``): catalogue writes and
Wagtail publishing append their changes there in their own transactions. A live price never outlives
its change by more than a poll of the feed, whichever process made it, and open pages get the new
figure over the websocket (live.js).
Only requests without a session or messages cookie (and without an Authorization header) are
served from or stored in the cache, so signed-in users always get a fresh page. With several
server processes each process's own cache is invalidated from the feed too; ``REDIS_URL`` shares one
cache (and its entries) between them.
"""

import functools
import time
from collections.abc import Iterable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.http import HttpResponse

from portal.cache_entries import (
    Replay,
    Visitor,
    csrf_cookie_set,
    entry_build,
    entry_get,
    entry_replay,
    entry_set,
    path_note,
    path_unmarked,
    visitor_from_request,
)
from portal.cache_generations import LIVE, generations_read, record_tokens_for_store
from portal.cache_invalidation import feed_check, feed_follow

HIT_ROUTE = "portal:page-cache"  # the route label of cache hits in node_http_request_duration_seconds
LOOKED_UP = "portal.page_cache.looked_up"  # set in the ASGI scope by the front after a miss


def page_cache_seconds(depends_on: Iterable[str]) -> int:
    """How long an entry may live at most (0: caching off). Catalogue pages live shorter."""
    seconds = int(getattr(settings, "PORTAL_PAGE_CACHE_SECONDS", 0) or 0)
    if {"catalog", "live"} & set(depends_on):
        seconds = min(seconds, int(getattr(settings, "PORTAL_CATALOG_CACHE_SECONDS", 60)))
    return max(seconds, 0)


def page_cache_enabled() -> bool:
    return bool(getattr(settings, "PORTAL_PAGE_CACHE_SECONDS", 0))


@functools.cache
def _hit_latency():
    from monitoring.metrics.prom import REQUEST_LATENCY

    return REQUEST_LATENCY.labels("GET", HIT_ROUTE, "200")


def hit_observe(started: float) -> None:
    """Cache hits skip RequestMetricsMiddleware; they still count in the request latency histogram."""
    _hit_latency().observe(time.perf_counter() - started)


def hit_response(replay: Replay) -> HttpResponse:
    response = HttpResponse(replay.body, status=replay.status)
    for name, value in replay.headers:
        response.headers[name.decode("ascii")] = value.decode("latin-1")
    response.headers["Content-Length"] = str(len(replay.body))
    if replay.csrf_secret is not None:
        csrf_cookie_set(response, replay.csrf_secret)
    return response


def store(request, response, visitor: Visitor, generations_before: dict | None) -> None:
    """Keep a finished response for other anonymous visitors if its view marked it cacheable
    (``generations_before`` None: not looked up, the path was known to answer unmarked)."""
    depends_on = getattr(response, "portal_cache_depends_on", None)
    if response.status_code == 200:
        path_note(request.path, marked=bool(depends_on))
    if generations_before is None:
        return
    seconds = page_cache_seconds(depends_on) if depends_on else 0
    if not seconds or not visitor.canonical:
        return  # a query parameter no cached page reads: served, never stored
    records = getattr(response, "portal_cache_records", ())
    tokens = None
    if records:
        tokens = record_tokens_for_store(records, live_before=generations_before.get(LIVE))
        if tokens is None:
            return  # one of its records changed while it rendered: served, not stored
    entry = entry_build(request, response, depends_on=depends_on, generations=generations_before, records=tokens)
    if entry is not None:
        entry_set(visitor, entry, seconds)


def _looked_up(request) -> bool:
    """The ASGI front (portal.cache_asgi) already looked this request's entry up and found none."""
    scope = getattr(request, "scope", None)
    return bool(scope and scope.get(LOOKED_UP))


class AnonymousPageCacheMiddleware:
    """Serve and store the pages marked cacheable; see the module docstring. Keep it FIRST in MIDDLEWARE."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self.__acall__(request)
        started = time.perf_counter()
        visitor = visitor_from_request(request) if page_cache_enabled() else None
        if visitor is None:
            return self.get_response(request)
        before = None
        if not path_unmarked(request.path):
            feed_check()  # drop what changes committed anywhere since made stale
            entry = None if _looked_up(request) else entry_get(visitor)
            if entry is not None:
                return self._hit(entry, visitor, started)
            before = generations_read()
        response = self.get_response(request)
        store(request, response, visitor, before)
        return response

    async def __acall__(self, request):
        started = time.perf_counter()
        visitor = visitor_from_request(request) if page_cache_enabled() else None
        if visitor is None:
            return await self.get_response(request)
        before = None
        if not path_unmarked(request.path):
            feed_follow()  # this process's live fan-out drops what changes committed anywhere made stale
            entry = None if _looked_up(request) else entry_get(visitor)
            if entry is not None:
                return self._hit(entry, visitor, started)
            before = generations_read()
        response = await self.get_response(request)
        store(request, response, visitor, before)
        return response

    @staticmethod
    def _hit(entry: dict, visitor: Visitor, started: float) -> HttpResponse:
        response = hit_response(entry_replay(entry, visitor))
        hit_observe(started)
        return response
