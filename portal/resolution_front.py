"""Identifier lookups answered in front of Django (portal/resolution_asgi.py), misses included.

Through Django's handler a lookup pays for a new thread, a new database connection (opened and closed per
request), the whole middleware chain (sessions, locale, CSRF, authentication, second factor, audit context)
and DRF around two or three indexed reads; a lookup referred down two tiers paid that at every tier.
Here the request is checked by the same code Django's view runs, then ``identifier_resolve`` runs in a
small pool of threads whose database connections stay open between lookups:

- a signed lookup between nodes (a node below asking upward, the node above referring a lookup down):
  ``OptionalNodeSignatureAuthentication`` (key, window, nonce — federation/authentication.py); nodes are
  not rate-limited in Django either;
- an anonymous lookup (no cookie, no Authorization header, not asking for HTML): the anonymous rate limit
  (``security.throttles.AnonThrottle``, by client address) and the visitor's language
  (Accept-Language, as LocaleMiddleware reads it).

Anything else, or anything the front cannot vouch for — a disallowed Host, an unknown or bad key, a
replay, a stale timestamp, a signed request that is anonymous after all, a limited caller — returns None
before anything was recorded but the limiter's count, and Django answers it as before (400/401/403/429).
Each answer served is counted like Django's (``node_http_request_duration_seconds``, the API request
statistics of flow 8).
"""

import functools
import io
import logging
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIRequest
from django.db import Error as DatabaseError
from django.db import connections
from django.utils import translation
from rest_framework.exceptions import APIException

from catalog.resolution import Resolution, identifier_resolve
from federation.authentication import OptionalNodeSignatureAuthentication
from monitoring.metrics.collectors import RESOLVE_ROUTE
from monitoring.metrics.prom import REQUEST_LATENCY
from monitoring.metrics.requests import request_observe
from organizations.identifiers import normalize
from security.throttles import AnonThrottle

logger = logging.getLogger(__name__)
PATH = "/api/v1/identifiers/"
ROUTE = "v1:identifier-resolve:front"  # the latency label of lookups answered here
POOL_SIZE = 4  # a lookup referred down waits for the node below, so a few run at once


@functools.cache
def pool() -> ThreadPoolExecutor:
    """The front's threads (per process, made on first use); each keeps its own database connection."""
    return ThreadPoolExecutor(max_workers=POOL_SIZE, thread_name_prefix="resolution")


def _admitted(request, *, signed: bool) -> bool:
    """May the front answer this request? (Only what Django's view would answer with a lookup.)"""
    try:
        request.get_host()  # ALLOWED_HOSTS, as Django's handler checks it
    except DisallowedHost:
        return False
    if signed:
        try:
            identity = OptionalNodeSignatureAuthentication().authenticate(request)
        except APIException:
            return False  # Django answers with the same refusal and its reason
        # None: a node enrolled before upstream keys were handed over asks as anonymous (rate-limited in Django)
        return identity is not None
    if "text/html" in request.headers.get("Accept", ""):
        return False  # a browser: DRF's browsable page, rendered by Django
    request.user, request.auth = AnonymousUser(), None
    return AnonThrottle().allow_request(request, None)


def resolve_in_front(scope, *, signed: bool) -> Resolution | None:
    """The answer to a lookup the front may give (None: Django must answer it). Runs in ``pool()``."""
    started = time.perf_counter()
    request = ASGIRequest(scope, io.BytesIO(b""))
    try:
        if not _admitted(request, signed=signed):
            return None
        language = settings.LANGUAGE_CODE if signed else translation.get_language_from_request(request)
        with translation.override(language):
            resolution = identifier_resolve(code=normalize(scope["path"][len(PATH) : -1]))
    except DatabaseError:
        connections.close_all()  # this thread's connection broke: a new one next time
        logger.exception("lookup of %s in front of Django failed", scope["path"])
        if not signed:
            return None  # Django tries with its own connection
        return Resolution(503, {"detail": translation.gettext("节点暂时无法完成解析，请稍后再试。")})
    seconds = time.perf_counter() - started
    REQUEST_LATENCY.labels("GET", ROUTE, str(resolution.status)).observe(seconds)
    request_observe(route=RESOLVE_ROUTE, method="GET", status=resolution.status, seconds=seconds)
    return resolution
