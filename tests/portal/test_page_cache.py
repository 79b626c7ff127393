"""The anonymous page cache (portal.caching, portal.cache_entries, portal.cache_asgi): a hit is the
page the site would have sent — every header, a fresh CSP nonce, a working CSRF token — in the
visitor's language, never for a signed-in visitor, and never after what the page shows changed."""

import asyncio
import re
from decimal import Decimal
from http.cookies import SimpleCookie

import pytest
from asgiref.sync import async_to_sync
from django.core.cache import cache
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client

from catalog.services import identifier_issue, record_update_status
from portal.cache_asgi import AnonymousPageCacheASGI
from portal.cache_entries import GENERATION_KEYS
from tests.catalog.factories import ComputeResourceFactory

pytestmark = pytest.mark.django_db

NONCE = re.compile(r"'nonce-([^']+)'")
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PER_RESPONSE = {"content-security-policy", "set-cookie", "x-portal-cache", "content-length"}


@pytest.fixture
def record(db):
    from tests.catalog.factories import ensure_reference_data

    ensure_reference_data()
    resource = ComputeResourceFactory(name="A100 集群", price_yuan=Decimal("12.00"))
    identifier_issue(record=resource, actor=None)
    resource.refresh_from_db()
    return resource


def headers_of(response) -> dict[str, str]:
    return {name.lower(): value for name, value in response.items()}


def nonce_of(csp: str) -> str:
    nonces = set(NONCE.findall(csp))
    assert len(nonces) == 1, csp
    return nonces.pop()


# --- the middleware (first in MIDDLEWARE) -----------------------------------------------------------


def test_a_hit_carries_every_header_of_the_page_with_a_fresh_nonce(client, page_cache, record):
    page_cache.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    page_cache.SECURE_HSTS_SECONDS = 3600
    rendered = client.get("/catalog/", HTTP_X_FORWARDED_PROTO="https")
    hits = [Client().get("/catalog/", HTTP_X_FORWARDED_PROTO="https") for _ in range(2)]

    assert rendered.get("X-Portal-Cache") is None and [hit["X-Portal-Cache"] for hit in hits] == ["hit", "hit"]
    assert "max-age=3600" in rendered["Strict-Transport-Security"]
    expected = {name: value for name, value in headers_of(rendered).items() if name not in PER_RESPONSE}
    nonces = []
    for hit in hits:
        assert {name: value for name, value in headers_of(hit).items() if name not in PER_RESPONSE} == expected
        nonce = nonce_of(hit["Content-Security-Policy"])
        assert f'nonce="{nonce}"' in hit.content.decode()
        assert NONCE.sub("", hit["Content-Security-Policy"]) == NONCE.sub("", rendered["Content-Security-Policy"])
        assert int(hit["Content-Length"]) == len(hit.content)
        nonces.append(nonce)
    assert len({nonce_of(rendered["Content-Security-Policy"]), *nonces}) == 3
    plain = client.get("/catalog/")  # http is another page: no HSTS there
    assert plain.get("X-Portal-Cache") is None and "Strict-Transport-Security" not in plain


def test_each_language_prefix_is_its_own_page(client, page_cache, record):
    for path in ("/catalog/", "/en/catalog/"):
        client.get(path)
    chinese, english = Client().get("/catalog/"), Client().get("/en/catalog/")
    assert chinese["X-Portal-Cache"] == english["X-Portal-Cache"] == "hit"
    assert 'lang="zh-Hans"' in chinese.content.decode() and chinese["Content-Language"] == "zh-hans"
    assert 'lang="en"' in english.content.decode() and english["Content-Language"] == "en"


def test_a_visitor_with_a_csrf_cookie_keeps_it_and_gets_a_token_for_it(client, page_cache, record):
    client.get("/catalog/")
    visitor = Client(enforce_csrf_checks=True)
    visitor.get("/en/catalog/")  # renders: the visitor now holds a CSRF cookie
    secret = visitor.cookies["csrftoken"].value
    hit = visitor.get("/catalog/")
    assert hit["X-Portal-Cache"] == "hit"
    assert hit.cookies["csrftoken"].value == secret
    assert _unmask_cipher_token(TOKEN.search(hit.content.decode()).group(1)) == secret
    stranger = Client()
    stranger.cookies["csrftoken"] = "not-a-secret"
    replaced = stranger.get("/catalog/")
    assert replaced["X-Portal-Cache"] == "hit" and replaced.cookies["csrftoken"].value != "not-a-secret"
    assert _unmask_cipher_token(TOKEN.search(replaced.content.decode()).group(1)) == replaced.cookies["csrftoken"].value


@pytest.mark.parametrize(
    "how",
    [{"cookies": {"sessionid": "x"}}, {"cookies": {"messages": "x"}}, {"headers": {"HTTP_AUTHORIZATION": "Bearer x"}}],
    ids=["session", "messages", "authorization"],
)
def test_visitors_with_a_session_messages_or_credentials_are_never_served_from_the_cache(
    client, page_cache, record, how
):
    client.get("/catalog/")
    assert Client().get("/catalog/")["X-Portal-Cache"] == "hit"
    visitor = Client()
    for name, value in how.get("cookies", {}).items():
        visitor.cookies[name] = value
    assert visitor.get("/catalog/", **how.get("headers", {})).get("X-Portal-Cache") is None


def test_an_evicted_generation_never_brings_a_stale_page_back(client, page_cache, record):
    url = f"/catalog/r/{record.identifier.code}/"
    client.get(url)
    assert client.get(url)["X-Portal-Cache"] == "hit"
    cache.delete(GENERATION_KEYS["catalog"])  # e.g. culled by the cache
    assert client.get(url).get("X-Portal-Cache") is None
    assert client.get(url)["X-Portal-Cache"] == "hit"


def test_pages_marked_private_are_not_stored(client, page_cache, record, monkeypatch):
    from django.utils.cache import patch_cache_control

    from portal.caching import store

    def private_store(request, response, visitor, generations_before):
        patch_cache_control(response, private=True)
        store(request, response, visitor, generations_before)

    monkeypatch.setattr("portal.caching.store", private_store)
    client.get("/catalog/")
    assert client.get("/catalog/").get("X-Portal-Cache") is None


# --- in front of Django's ASGI handler (portal.cache_asgi) -----------------------------------------


class Site:
    """Stands in for Django's ASGI handler: counts what reaches it and answers 204."""

    def __init__(self):
        self.requests = 0

    async def __call__(self, scope, receive, send):
        self.requests += 1
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def asgi_get(app, path, *, headers=(), method="GET", body=b"", query=b""):
    """One request through an ASGI application; returns (status, headers as a list, body)."""
    messages = []

    async def run():
        received = []

        async def receive():
            if received:  # after the body: the visitor stays until the response is sent
                await asyncio.get_running_loop().create_future()
            received.append(True)
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message):
            messages.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query,
            "root_path": "",
            "headers": [(b"host", b"testserver"), *headers],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        await app(scope, receive, send)

    async_to_sync(run)()
    if not messages:
        return None, [], b""
    start = messages[0]
    decoded = [(name.decode().lower(), value.decode("latin-1")) for name, value in start["headers"]]
    return start["status"], decoded, b"".join(message.get("body", b"") for message in messages[1:])


def test_the_asgi_front_serves_a_stored_page_without_reaching_django(client, page_cache, record):
    site = Site()
    front = AnonymousPageCacheASGI(site)
    rendered = client.get("/catalog/")
    status, headers, body = asgi_get(front, "/catalog/")

    assert site.requests == 0 and status == 200 and ("x-portal-cache", "hit") in headers
    served = dict(headers)
    assert {k: v for k, v in served.items() if k not in PER_RESPONSE} == {
        k: v for k, v in headers_of(rendered).items() if k not in PER_RESPONSE
    }
    assert int(served["content-length"]) == len(body)
    html = body.decode()
    nonce = nonce_of(served["content-security-policy"])
    assert nonce != nonce_of(rendered["Content-Security-Policy"]) and f'nonce="{nonce}"' in html
    assert nonce_of(dict(asgi_get(front, "/catalog/")[1])["content-security-policy"]) != nonce
    cookie = SimpleCookie(served["set-cookie"])["csrftoken"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    # the token in the page works with the cookie the front sent
    visitor = Client(enforce_csrf_checks=True)
    visitor.cookies["csrftoken"] = cookie.value
    token = TOKEN.search(html).group(1)
    switched = visitor.post("/i18n/setlang/", {"language": "en", "next": "/catalog/", "csrfmiddlewaretoken": token})
    assert switched.status_code == 302 and switched["Location"] == "/en/catalog/"


def test_the_asgi_front_keys_pages_as_django_does(client, page_cache, record):
    page_cache.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    page_cache.SECURE_HSTS_SECONDS = 3600
    site = Site()
    front = AnonymousPageCacheASGI(site)
    client.get("/en/catalog/", {"kind": "resources"}, HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="testserver")

    status, headers, body = asgi_get(
        front, "/en/catalog/", query=b"kind=resources", headers=[(b"x-forwarded-proto", b"https")]
    )
    assert status == 200 and 'lang="en"' in body.decode() and "strict-transport-security" in dict(headers)
    for path, query, extra in [
        ("/en/catalog/", b"kind=resources", []),  # http: another page
        ("/catalog/", b"kind=resources", [(b"x-forwarded-proto", b"https")]),  # another language
        ("/en/catalog/", b"", [(b"x-forwarded-proto", b"https")]),  # another query
    ]:
        assert asgi_get(front, path, query=query, headers=extra)[0] == 204
    assert site.requests == 3


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"headers": [(b"cookie", b"sessionid=abc; csrftoken=x")]},
        {"headers": [(b"cookie", b"messages=abc")]},
        {"headers": [(b"authorization", b"Bearer x")]},
        {"method": "POST"},
        {"headers": [(b"content-length", b"3")], "body": b"a=1"},
    ],
    ids=["session", "messages", "authorization", "post", "get-with-body"],
)
def test_the_asgi_front_hands_everything_else_to_django(client, page_cache, record, request_kwargs):
    site = Site()
    client.get("/catalog/")
    assert asgi_get(AnonymousPageCacheASGI(site), "/catalog/", **request_kwargs)[0] == 204
    assert site.requests == 1


# Transactional: the live fan-out's database_sync_to_async runs in this thread and closes old connections,
# which on PostgreSQL would end the test's wrapping transaction (SQLite's in-memory test database ignores it).
@pytest.mark.django_db(transaction=True)
def test_the_asgi_front_never_serves_a_stale_price(client, page_cache, record, django_capture_on_commit_callbacks):
    site = Site()
    front = AnonymousPageCacheASGI(site)
    url = f"/catalog/r/{record.identifier.code}/"
    client.get(url)
    status, _headers, body = asgi_get(front, url)
    assert status == 200 and 'data-live-field="price_yuan">12.00<' in body.decode()
    with django_capture_on_commit_callbacks(execute=True):
        record_update_status(record=record, changes={"price_yuan": Decimal("9.50")})
    assert asgi_get(front, url)[0] == 204 and site.requests == 1
    assert 'data-live-field="price_yuan">9.50<' in client.get(url).content.decode()


def test_the_asgi_front_passes_through_when_the_cache_is_off(client, settings, record):
    settings.PORTAL_PAGE_CACHE_SECONDS = 0
    site = Site()
    client.get("/catalog/")
    assert asgi_get(AnonymousPageCacheASGI(site), "/catalog/")[0] == 204 and site.requests == 1


@pytest.mark.django_db(transaction=True)
def test_django_asgi_handler_behind_the_front_renders_stores_and_is_then_skipped(page_cache):
    """The real handler: the first request renders and stores; the second never reaches it."""
    from django.core.handlers.asgi import ASGIHandler

    from tests.catalog.factories import ensure_reference_data

    ensure_reference_data()
    handler = ASGIHandler()
    calls = []

    async def django_app(scope, receive, send):
        calls.append(scope["path"])
        await handler(scope, receive, send)

    front = AnonymousPageCacheASGI(django_app)
    first = asgi_get(front, "/catalog/providers/")
    second = asgi_get(front, "/catalog/providers/")
    assert first[0] == second[0] == 200 and calls == ["/catalog/providers/"]
    assert ("x-portal-cache", "hit") in second[1] and ("x-portal-cache", "hit") not in first[1]


def test_a_change_another_process_committed_drops_the_page_through_the_change_feed(
    client, page_cache, record, settings
):
    """The change's after-commit callbacks never run here (as for a change committed by another
    process, with no shared cache): only this process's reading of the change feed can tell."""
    settings.PORTAL_CACHE_FEED_SECONDS = 0
    url = f"/catalog/r/{record.identifier.code}/"
    assert 'data-live-field="price_yuan">12.00<' in client.get(url).content.decode()
    assert client.get(url)["X-Portal-Cache"] == "hit"

    record_update_status(record=record, changes={"price_yuan": Decimal("9.50")})

    page = client.get(url)
    assert page.get("X-Portal-Cache") is None and 'data-live-field="price_yuan">9.50<' in page.content.decode()
