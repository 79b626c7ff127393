"""Whole-page cache for anonymous visitors, invalidated by what the page depends on.

A view (``@cache_for_anonymous``) or a Wagtail page (``PortalPageMixin.serve``) marks its response as
cacheable and names what it depends on: ``"pages"`` (published Wagtail content, campaigns) and/or
``"catalog"`` (providers, sites, records, identifiers). ``AnonymousPageCacheMiddleware`` — the
innermost middleware, so every other middleware still runs on a cache hit (sessions, CSRF cookie,
CSP header with a fresh nonce, X-Frame-Options) — stores such responses and serves them again,
before URL resolution, until the entry expires or a dependency's *generation* changes.

Generations are counters in the cache, bumped after commit by the catalogue's ``record_changed``
hook and by Wagtail's publish/unpublish/move/delete signals (``portal.apps``). A live price never
outlives its change: the record_changed announcement bumps the catalogue generation, so the next
request renders afresh, and open pages get the new figure over the websocket (live.js).

Per-visitor parts of a cached page are placeholders: the CSRF token of the language switch and
the CSP nonce are substituted for each response. Only requests without a session or messages
cookie are served from or stored in the cache, so signed-in users always get a fresh page.
With several server processes the cache must be shared (``REDIS_URL`` switches CACHES to Redis),
otherwise a change made in one process is invalidated only there (the TTL still bounds it).
"""

import functools
import hashlib
import re
import time
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import translation

KEY_PREFIX = "portal-page:"
GENERATION_PREFIX = "portal-gen:"
DEPENDENCIES = ("pages", "catalog")
CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]+(")')
CSRF_PLACEHOLDER = b"__portal_csrf_token__"
NONCE_PLACEHOLDER = b"__portal_csp_nonce__"
SKIPPED_HEADERS = {"set-cookie", "content-length"}


def page_cache_seconds(depends_on: Iterable[str]) -> int:
    """How long an entry may live at most (0: caching off). Catalogue pages live shorter."""
    seconds = int(getattr(settings, "PORTAL_PAGE_CACHE_SECONDS", 0) or 0)
    if "catalog" in depends_on:
        seconds = min(seconds, int(getattr(settings, "PORTAL_CATALOG_CACHE_SECONDS", 60)))
    return max(seconds, 0)


def generations(depends_on: Iterable[str]) -> dict[str, int]:
    keys = {GENERATION_PREFIX + name: name for name in depends_on}
    found = cache.get_many(list(keys))
    return {name: found.get(key, 0) for key, name in keys.items()}


def generation_bump(*names: str) -> None:
    """Invalidate every cached page that depends on one of these (after the current transaction)."""

    def bump():
        cache.set_many({GENERATION_PREFIX + name: time.time_ns() for name in names}, None)

    transaction.on_commit(bump)


def mark_cacheable(response, *, depends_on: Iterable[str]):
    response.portal_cache_depends_on = tuple(depends_on)
    return response


def cache_for_anonymous(*, depends_on: Iterable[str]):
    """View decorator: anonymous visitors may get this page from the cache (see module docstring)."""
    depends_on = tuple(depends_on)
    unknown = set(depends_on) - set(DEPENDENCIES)
    if unknown:
        raise ValueError(f"unknown cache dependencies {unknown}")

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            return mark_cacheable(view(request, *args, **kwargs), depends_on=depends_on)

        return wrapped

    return decorator


def _eligible(request) -> bool:
    if request.method != "GET":
        return False
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def _key(request) -> str:
    raw = f"{request.scheme}://{request.get_host()}{request.get_full_path()}|{translation.get_language()}"
    return KEY_PREFIX + hashlib.sha256(raw.encode()).hexdigest()


class AnonymousPageCacheMiddleware:
    """Serve and store the pages marked cacheable; see the module docstring. Keep it last in MIDDLEWARE."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not getattr(settings, "PORTAL_PAGE_CACHE_SECONDS", 0) or not _eligible(request):
            return self.get_response(request)
        key = _key(request)
        entry = cache.get(key)
        if entry is not None and generations(entry["depends_on"]) == entry["generations"]:
            return self._replay(request, entry)
        before = {name: generations((name,))[name] for name in DEPENDENCIES}
        response = self.get_response(request)
        depends_on = getattr(response, "portal_cache_depends_on", None)
        if depends_on and response.status_code == 200 and not response.streaming and not response.cookies:
            self._store(request, key, response, depends_on, {name: before[name] for name in depends_on})
        return response

    def _store(self, request, key, response, depends_on, seen_generations) -> None:
        seconds = page_cache_seconds(depends_on)
        if not seconds:
            return
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        content = CSRF_INPUT.sub(rb"\1" + CSRF_PLACEHOLDER + rb"\2", response.content)
        nonce = getattr(request, "_csp_nonce", None) or ""
        if nonce:
            content = content.replace(str(nonce).encode(), NONCE_PLACEHOLDER)
        headers = [(name, value) for name, value in response.headers.items() if name.lower() not in SKIPPED_HEADERS]
        entry = {
            "content": content,
            "status": response.status_code,
            "headers": headers,
            "depends_on": depends_on,
            "generations": seen_generations,
        }
        cache.set(key, entry, seconds)

    def _replay(self, request, entry) -> HttpResponse:
        content = entry["content"]
        if CSRF_PLACEHOLDER in content:
            content = content.replace(CSRF_PLACEHOLDER, get_token(request).encode())
        if NONCE_PLACEHOLDER in content:
            content = content.replace(NONCE_PLACEHOLDER, str(request.csp_nonce).encode())
        response = HttpResponse(content, status=entry["status"])
        for name, value in entry["headers"]:
            response[name] = value
        response["X-Portal-Cache"] = "hit"
        return response
