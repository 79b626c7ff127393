"""Entries of the anonymous page cache (``portal.caching``): which requests qualify, how a finished
response is stored and how it is replayed for another visitor.

An entry is the *final* response — status, every header the middleware chain set (CSP, HSTS when
the request was secure, Permissions-Policy, X-Frame-Options, Vary, Content-Language, …) and the
body — with the per-visitor parts cut out and their positions kept: the CSP nonce (body and
headers) and the masked CSRF token (body). A replay only joins bytes around a fresh nonce and a
token masked from the visitor's own CSRF cookie (or a new one, sent as ``Set-Cookie`` exactly as
CsrfViewMiddleware would), so it needs neither a template, nor the session, nor the database.

The key is made of every request input a cached page may depend on: scheme (as Django computes it
behind ``SECURE_PROXY_SSL_HEADER``), host, path (which fixes the language: the site uses
``i18n_patterns`` without a prefix for the default language, checked when storing) and the query
parameters cached pages read (``PORTAL_PAGE_CACHE_PARAMS``), sorted. Any other parameter is left out
of the key, and a request carrying one is never stored (``Visitor.canonical``): ``?cb=1``, ``?cb=2``…
get the page of the URL without them when it is cached, and never add an entry. A visitor with a
session or messages cookie, or an Authorization header, never qualifies.

An entry is valid only while every dependency's *generation* in the cache still holds the value
read before the page was rendered, and every token of a record it shows still holds the value read
after (portal.cache_generations); a key that is missing (evicted) counts as changed.
"""

import base64
import hashlib
import os
import re
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.core.exceptions import DisallowedHost
from django.http import HttpResponseBase
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.utils import translation

from portal.cache_generations import GENERATION_KEYS, page_cache, record_tokens_current

KEY_PREFIX = "portal-page:v4:"
MESSAGES_COOKIE = "messages"  # django.contrib.messages' CookieStorage
CACHE_HEADER = (b"X-Portal-Cache", b"hit")
NONCE, TOKEN = 0, 1  # the slots of a stored body or header value
TOKEN_CANDIDATE = re.compile(rb"(?<![A-Za-z0-9])[A-Za-z0-9]{%d}(?![A-Za-z0-9])" % (2 * CSRF_SECRET_LENGTH))
UNCACHEABLE_CONTROL = re.compile(r"\b(private|no-store|no-cache)\b", re.I)
_CHAR_INDEX = {char: index for index, char in enumerate(CSRF_ALLOWED_CHARS)}
_CHAR_COUNT = len(CSRF_ALLOWED_CHARS)
_UNBIASED = 256 - 256 % _CHAR_COUNT  # bytes below this map uniformly onto the characters


# --- which requests qualify, and their key --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Visitor:
    """What a cached page may depend on, read the same way from a Django request and an ASGI scope."""

    key: str
    csrf_cookie: str | None
    canonical: bool = True  # every query parameter is one cached pages read: the response may be stored


MAX_QUERY_PARAMS = 20


def query_normalise(query: str) -> tuple[str, bool]:
    """The query string reduced to the parameters cached pages read, sorted by name (values of one name
    keep their order), and whether nothing else was in it."""
    if not query:
        return "", True
    known = settings.PORTAL_PAGE_CACHE_PARAMS
    pairs = parse_qsl(query, keep_blank_values=True, max_num_fields=None)
    kept = sorted(((name, value) for name, value in pairs if name in known), key=lambda pair: pair[0])
    return urlencode(kept), len(kept) == len(pairs) and len(pairs) <= MAX_QUERY_PARAMS


def visitor_get(*, method: str, scheme: str, host: str, path: str, query: str, cookies: dict, authorized: bool):
    """The visitor's cache key, or None when this request must go through the whole site."""
    if method != "GET" or authorized:
        return None
    if settings.SESSION_COOKIE_NAME in cookies or MESSAGES_COOKIE in cookies:
        return None
    normalised, canonical = query_normalise(query)
    raw = f"{scheme}|{host}|{path}|{normalised}"
    return Visitor(
        key=KEY_PREFIX + hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest(),
        csrf_cookie=cookies.get(settings.CSRF_COOKIE_NAME),
        canonical=canonical,
    )


def visitor_from_request(request) -> Visitor | None:
    if request.method != "GET":
        return None
    try:
        host = request.get_host()
    except DisallowedHost:
        return None  # the site answers it (400) as usual
    return visitor_get(
        method=request.method,
        scheme=request.scheme,
        host=host,
        path=request.path,
        query=request.META.get("QUERY_STRING", ""),
        cookies=request.COOKIES,
        authorized="HTTP_AUTHORIZATION" in request.META,
    )


# --- paths whose pages are never stored ---------------------------------------------------------
# A GET that answers 200 without a cache mark (the search API, /select/, ...) still paid for the
# lookups of a cacheable page: the entry, the generations, a read of the change feed. Each process
# remembers such paths (request.path, the query left out) and skips those for them; a mark seen
# again forgets the path. Bounded: the memo is emptied when it is full.
UNMARKED_PATHS_MAX = 4096
_unmarked_paths: dict[str, None] = {}


def path_unmarked(path: str) -> bool:
    """This path answered 200 without a cache mark last time: skip the page cache's lookups."""
    return path in _unmarked_paths


def path_note(path: str, *, marked: bool) -> None:
    if marked:
        _unmarked_paths.pop(path, None)
    elif path not in _unmarked_paths:
        if len(_unmarked_paths) >= UNMARKED_PATHS_MAX:
            _unmarked_paths.clear()
        _unmarked_paths[path] = None


def unmarked_paths_forget() -> None:
    _unmarked_paths.clear()


def entry_get(visitor: Visitor) -> dict | None:
    """The visitor's entry if it is still valid: one cache round trip for the entry and the generations,
    and one more for the tokens of the records it shows, if any (portal.cache_generations)."""
    found = page_cache().get_many([visitor.key, *GENERATION_KEYS.values()])
    entry = found.get(visitor.key)
    if entry is None:
        return None
    for name, seen in entry["generations"].items():
        current = found.get(GENERATION_KEYS[name])
        if current is None or current != seen:
            return None
    if entry["records"] and not record_tokens_current(entry["records"]):
        return None
    return entry


# --- storing --------------------------------------------------------------------------------------


def _language_fixed_by_path(request, response) -> bool:
    """The page's language follows from its path alone (i18n_patterns, default language unprefixed)."""
    used, prefixed_default = is_language_prefix_patterns_used(getattr(request, "urlconf", settings.ROOT_URLCONF))
    if not used or prefixed_default:
        return False
    expected = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    return response.get("Content-Language") == expected


def _slots(data: bytes, found: list[tuple[int, int, int]]) -> tuple:
    """``data`` as literal pieces and slot numbers, given (start, end, slot) spans."""
    parts: list = []
    position = 0
    for start, end, slot in sorted(found):
        if start < position:
            continue
        parts.append(data[position:start])
        parts.append(slot)
        position = end
    parts.append(data[position:])
    return tuple(part for part in parts if part != b"")


def _spans(data: bytes, needle: bytes, slot: int) -> list[tuple[int, int, int]]:
    spans = []
    start = data.find(needle) if needle else -1
    while start >= 0:
        spans.append((start, start + len(needle), slot))
        start = data.find(needle, start + len(needle))
    return spans


def entry_build(
    request, response, *, depends_on: tuple[str, ...], generations: dict, records: dict | None = None
) -> dict | None:
    """The entry for a finished response, or None when it must not be shared between visitors (or is
    larger than ``PORTAL_PAGE_CACHE_MAX_ENTRY_BYTES``: the cache's memory bound is entries × that size).
    ``records``: the tokens of the records the page shows (portal.cache_generations)."""
    if response.status_code != 200 or response.streaming:
        return None
    if len(response.content) > settings.PORTAL_PAGE_CACHE_MAX_ENTRY_BYTES:
        return None
    if any(generations.get(name) is None for name in depends_on):
        return None
    if UNCACHEABLE_CONTROL.search(response.get("Cache-Control", "")):
        return None
    cookies = set(response.cookies)
    if cookies - {settings.CSRF_COOKIE_NAME}:
        return None
    uses_csrf = settings.CSRF_COOKIE_NAME in cookies
    if uses_csrf and settings.CSRF_USE_SESSIONS:
        return None
    if not _language_fixed_by_path(request, response):
        return None
    nonce = getattr(request, "_csp_nonce", None)
    nonce = nonce.encode("ascii") if isinstance(nonce, str) else b""
    body = response.content
    spans = _spans(body, nonce, NONCE)
    if uses_csrf:
        secret = response.cookies[settings.CSRF_COOKIE_NAME].value
        for match in TOKEN_CANDIDATE.finditer(body):
            if _unmask(match.group().decode("ascii")) == secret:
                spans.append((match.start(), match.end(), TOKEN))
    headers = []
    for name, value in response.items():
        if name.lower() == "content-length":
            continue
        value = value.encode("latin-1")
        headers.append((name.encode("ascii"), _slots(value, _spans(value, nonce, NONCE))))
    return {
        "status": response.status_code,
        "headers": headers,
        "body": _slots(body, spans),
        "csrf": uses_csrf,
        "generations": {name: generations[name] for name in depends_on},
        "records": records or {},
    }


def entry_set(visitor: Visitor, entry: dict, seconds: int) -> None:
    page_cache().set(visitor.key, entry, seconds)


# --- replaying ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Replay:
    status: int
    headers: list[tuple[bytes, bytes]]  # without Content-Length and the CSRF cookie
    body: bytes
    csrf_secret: str | None  # send it as the CSRF cookie when set


def _fill(parts: tuple, values: tuple[bytes, bytes]) -> bytes:
    return b"".join(values[part] if part.__class__ is int else part for part in parts)


def entry_replay(entry: dict, visitor: Visitor) -> Replay:
    """The entry for this visitor: a fresh CSP nonce; a CSRF token masked from their cookie's secret."""
    nonce = base64.b64encode(os.urandom(16))  # as django-csp makes it
    secret = None
    token = b""
    if entry["csrf"]:
        secret = visitor.csrf_cookie if _is_secret(visitor.csrf_cookie) else _random_string(CSRF_SECRET_LENGTH)
        token = _mask(secret).encode("ascii")
    values = (nonce, token)
    headers = [(name, _fill(parts, values)) for name, parts in entry["headers"]]
    headers.append(CACHE_HEADER)
    return Replay(entry["status"], headers, _fill(entry["body"], values), secret)


def csrf_cookie_set(response: HttpResponseBase, secret: str) -> None:
    """Set the CSRF cookie the way CsrfViewMiddleware does (Vary: Cookie is in the stored headers)."""
    response.set_cookie(
        settings.CSRF_COOKIE_NAME,
        secret,
        max_age=settings.CSRF_COOKIE_AGE,
        domain=settings.CSRF_COOKIE_DOMAIN,
        path=settings.CSRF_COOKIE_PATH,
        secure=settings.CSRF_COOKIE_SECURE,
        httponly=settings.CSRF_COOKIE_HTTPONLY,
        samesite=settings.CSRF_COOKIE_SAMESITE,
    )


_SECRET_PLACEHOLDER = "portalcsrfsecretplaceholder00000"  # alphanumeric: never quoted in the cookie
_cookie_template: tuple[tuple, bytes] = ((), b"")


def csrf_cookie_header(secret: str) -> bytes:
    """The ``Set-Cookie`` value CsrfViewMiddleware would send (its Expires date is made once a second)."""
    global _cookie_template
    made_for = (
        int(time.time()),
        settings.CSRF_COOKIE_NAME,
        settings.CSRF_COOKIE_AGE,
        settings.CSRF_COOKIE_DOMAIN,
        settings.CSRF_COOKIE_PATH,
        settings.CSRF_COOKIE_SECURE,
        settings.CSRF_COOKIE_HTTPONLY,
        settings.CSRF_COOKIE_SAMESITE,
    )
    if _cookie_template[0] != made_for:
        response = HttpResponseBase()
        csrf_cookie_set(response, _SECRET_PLACEHOLDER)
        output = response.cookies[settings.CSRF_COOKIE_NAME].output(header="").encode("ascii").strip()
        _cookie_template = (made_for, output)
    return _cookie_template[1].replace(_SECRET_PLACEHOLDER.encode("ascii"), secret.encode("ascii"), 1)


# --- CSRF secrets and tokens (django.middleware.csrf's format, one urandom call each) --------------


def _random_string(length: int) -> str:
    chars = []
    while len(chars) < length:
        chars.extend(CSRF_ALLOWED_CHARS[byte % _CHAR_COUNT] for byte in os.urandom(length + 8) if byte < _UNBIASED)
    return "".join(chars[:length])


def _is_secret(value: str | None) -> bool:
    return value is not None and len(value) == CSRF_SECRET_LENGTH and all(char in _CHAR_INDEX for char in value)


def _mask(secret: str) -> str:
    mask = _random_string(CSRF_SECRET_LENGTH)
    index = _CHAR_INDEX
    return mask + "".join(
        CSRF_ALLOWED_CHARS[(index[char] + index[key]) % _CHAR_COUNT] for char, key in zip(secret, mask, strict=True)
    )


def _unmask(token: str) -> str:
    index = _CHAR_INDEX
    mask, cipher = token[:CSRF_SECRET_LENGTH], token[CSRF_SECRET_LENGTH:]
    return "".join(CSRF_ALLOWED_CHARS[index[char] - index[key]] for char, key in zip(cipher, mask, strict=True))
