"""The anonymous page cache in front of Django's ASGI handler: a hit costs one cache read and a join.

Django's ASGI handler spends more on a request than a cached page is worth: a thread per request
(``ThreadSensitiveContext``), thread hops for the request_started/request_finished signals, a
request object and the middleware chain. ``AnonymousPageCacheASGI`` wraps the HTTP application
(``portal/asgi.py``) and answers a GET whose entry is valid straight from the scope; anything else
— a miss, a signed-in visitor, a POST, a websocket — goes to Django unchanged, where
``portal.caching.AnonymousPageCacheMiddleware`` renders and stores it.

The key is read from the scope exactly as Django reads it from the request (``request.scheme``
behind ``SECURE_PROXY_SSL_HEADER``, the raw host, ``request.path``, the query string), so both
ends find the same entries. The host is not validated here: an entry exists only for a host
Django accepted when it stored the page.
"""

import time

from django.conf import settings
from django.http.cookie import parse_cookie

from portal.cache_entries import Visitor, csrf_cookie_header, entry_get, entry_replay, path_unmarked, visitor_get
from portal.cache_invalidation import feed_follow
from portal.caching import LOOKED_UP, hit_observe, page_cache_enabled


def _header_name(meta_key: str) -> bytes | None:
    """``HTTP_X_FORWARDED_PROTO`` -> ``b"x-forwarded-proto"`` (the header Django's META key comes from)."""
    if not meta_key.startswith("HTTP_"):
        return None
    return meta_key[5:].lower().replace("_", "-").encode("latin-1")


def visitor_from_scope(scope) -> Visitor | None:
    """Read the request inputs the way ``django.core.handlers.asgi.ASGIRequest`` does; None: not eligible."""
    if scope["method"].upper() != "GET":
        return None
    proxy_ssl = settings.SECURE_PROXY_SSL_HEADER
    proxy_header = _header_name(proxy_ssl[0]) if proxy_ssl else None
    wanted = {b"host", b"cookie", b"authorization", b"content-length", b"transfer-encoding", b"x-forwarded-host"}
    if proxy_header:
        wanted.add(proxy_header)
    found: dict[bytes, list[str]] = {}
    for name, value in scope.get("headers", ()):
        name = name.lower()
        if name in wanted:
            found.setdefault(name, []).append(value.decode("latin-1"))
    headers = {name: ",".join(values) for name, values in found.items()}  # as ASGIRequest joins repeats
    if headers.get(b"content-length", "0") != "0" or b"transfer-encoding" in headers:
        return None  # a GET with a body goes through the whole site
    if settings.USE_X_FORWARDED_HOST and b"x-forwarded-host" in headers:
        host = headers[b"x-forwarded-host"]
    elif b"host" in headers:
        host = headers[b"host"]
    else:
        return None
    scheme = scope.get("scheme") or "http"
    if proxy_header is not None and proxy_header in headers:
        scheme = "https" if headers[proxy_header].split(",", 1)[0].strip() == proxy_ssl[1] else "http"
    query = scope.get("query_string", b"")
    try:
        query = query.decode() if isinstance(query, bytes) else query
    except UnicodeDecodeError:
        return None
    return visitor_get(
        method="GET",
        scheme=scheme,
        host=host,
        path=scope["path"],
        query=query,
        cookies=parse_cookie(headers.get(b"cookie", "")),
        authorized=b"authorization" in headers,
    )


class AnonymousPageCacheASGI:
    """ASGI middleware: ``AnonymousPageCacheASGI(get_asgi_application())``."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not page_cache_enabled():
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        feed_follow()  # this process's live fan-out drops what changes committed anywhere made stale
        visitor = visitor_from_scope(scope)
        if visitor is None or path_unmarked(scope["path"]):
            return await self.app(scope, receive, send)
        entry = entry_get(visitor)
        if entry is None:
            scope[LOOKED_UP] = True  # the middleware behind need not look again
            return await self.app(scope, receive, send)
        message = await receive()
        while message["type"] == "http.request" and message.get("more_body"):
            message = await receive()
        if message["type"] != "http.request":
            return  # the visitor left
        replay = entry_replay(entry, visitor)
        headers = replay.headers
        headers.append((b"Content-Length", str(len(replay.body)).encode("ascii")))
        if replay.csrf_secret is not None:
            headers.append((b"Set-Cookie", csrf_cookie_header(replay.csrf_secret)))
        await send({"type": "http.response.start", "status": replay.status, "headers": headers})
        await send({"type": "http.response.body", "body": replay.body})
        hit_observe(started)
