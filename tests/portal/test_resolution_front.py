"""Cached answers about other nodes' identifiers are served in front of Django (portal/resolution_asgi.py):
the same body and headers as Django's answer, without Django; everything else still goes to Django."""

import json
import time

import pytest
from asgiref.sync import sync_to_async
from channels.testing import HttpCommunicator
from django.core.cache import cache
from django.utils import timezone

from catalog.resolution import CACHE_PREFIX
from federation import signing
from federation.models import SeenNonce, UpstreamLink
from organizations.identifiers import format_identifier
from portal.asgi import django_asgi_app
from portal.cache_asgi import AnonymousPageCacheASGI
from portal.resolution_asgi import ResolutionCacheASGI

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]
CODE = format_identifier(prefix="CN.130000", class_code="A", serial=7)
ANSWER = {"identifier": CODE, "state": "active", "node_prefix": "CN.130000", "name": "河北智算集群"}


class Counting:
    """The inner application, counting the requests it had to answer."""

    def __init__(self, app):
        self.app, self.calls = app, 0

    async def __call__(self, scope, receive, send):
        self.calls += 1
        await self.app(scope, receive, send)


@pytest.fixture
def front(settings):
    settings.NODE_IDENTIFIER_PREFIX = "CN.510000"
    settings.UPSTREAM_NODE_URL = "http://national.invalid"
    cache.clear()
    cache.set(CACHE_PREFIX + CODE, {"status": 200, "body": ANSWER}, 300)
    django = Counting(AnonymousPageCacheASGI(django_asgi_app))
    return ResolutionCacheASGI(django), django


async def get(app, path: str, *headers: tuple[bytes, bytes]) -> dict:
    communicator = HttpCommunicator(app, "GET", path, headers=[(b"host", b"testserver"), *headers])
    return await communicator.get_response(timeout=30)


async def test_a_cached_answer_is_served_without_django_with_django_s_body_and_headers(front):
    app, django = front
    path = f"/api/v1/identifiers/{CODE}/"
    first = await get(app, path)  # the process's first answer: Django's (the front learns its headers)
    assert first["status"] == 200 and django.calls == 1
    second = await get(app, path.lower())  # identifiers are case-insensitive, as in Django's view
    assert django.calls == 1
    assert second["status"] == 200 and second["body"] == first["body"]
    django_headers = {name.lower(): value for name, value in first["headers"]}
    front_headers = {name.lower(): value for name, value in second["headers"]}
    for name in (b"content-type", b"x-content-type-options", b"content-security-policy", b"x-frame-options"):
        assert front_headers[name] == django_headers[name]
    assert front_headers[b"content-length"] == str(len(second["body"])).encode()
    assert b'"cached":true' in second["body"] and "河北智算集群".encode() in second["body"]


async def test_bad_signatures_go_to_django_and_misses_are_resolved_in_front(front):
    app, django = front
    path = f"/api/v1/identifiers/{CODE}/"
    await get(app, path)
    calls = django.calls
    signed = await get(app, path, (b"x-node-key-id", b"unknown"), (b"x-node-timestamp", b"1"))
    assert signed["status"] == 401 and django.calls == calls + 1  # a bad signature is still refused, by Django
    unknown = format_identifier(prefix="CN.130000", class_code="A", serial=8)
    miss = await get(app, f"/api/v1/identifiers/{unknown}/")  # asked upstream (unreachable here) from the front
    assert miss["status"] == 502 and django.calls == calls + 1
    cache.delete(CACHE_PREFIX + CODE)  # what a state change received from below does
    again = await get(app, path)
    assert again["status"] == 502 and b'"cached":true' not in again["body"] and django.calls == calls + 1


# --- misses answered in front of Django (portal/resolution_front.py) ---------------------------------

UPSTREAM_KEY_ID = "CN.510000:node:0123456789ab"
OWN = format_identifier(prefix="CN.510000.C15", class_code="A", serial=41)  # not in this node's library


@pytest.fixture
def industry(settings):
    """This database as an industry node enrolled with the Sichuan regional node (whose key the test holds);
    a tight anonymous rate limit. Django has answered once (the front learnt its headers)."""
    settings.NODE_ROLE, settings.NODE_IDENTIFIER_PREFIX, settings.UPSTREAM_NODE_URL = "industry", "CN.510000.C15", ""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "5/minute", "provider": "2/minute"},
    }
    cache.clear()
    upstream = signing.generate_keypair()
    UpstreamLink.objects.create(
        url="http://regional.example",
        upstream_prefix="CN.510000",
        upstream_name="四川省区域节点",
        prefix="CN.510000.C15",
        role="industry",
        key_id="CN.510000.C15:aa",
        private_key=signing.generate_keypair().private_key,
        enrolled_at=timezone.now(),
        upstream_key_id=UPSTREAM_KEY_ID,
        upstream_public_key=upstream.public_key,
    )
    django = Counting(AnonymousPageCacheASGI(django_asgi_app))
    return ResolutionCacheASGI(django), django, upstream


def signed_headers(keys, path: str) -> list[tuple[bytes, bytes]]:
    headers = signing.sign_headers(
        private_key=keys.private_key,
        key_id=UPSTREAM_KEY_ID,
        method="GET",
        path=path,
        body=b"",
        idempotency_key="",
        timestamp=int(time.time()),
    )
    return [(name.lower().encode(), value.encode()) for name, value in headers.items()]


async def test_a_signed_lookup_from_the_upstream_is_answered_in_front_and_a_replay_is_refused_by_django(industry):
    app, django, upstream = industry
    path = f"/api/v1/identifiers/{OWN}/"
    await get(app, f"/api/v1/identifiers/{format_identifier(prefix='CN.510000.C15', class_code='A', serial=42)}/")
    assert django.calls == 1  # the process's first lookup: Django's answer, whose headers the front learns
    headers = signed_headers(upstream, path)
    answered = await get(app, path, *headers)
    assert answered["status"] == 404 and django.calls == 1
    assert json.loads(answered["body"])["detail"] == "本节点没有这个算力标识。"
    assert await sync_to_async(SeenNonce.objects.filter(key_id=UPSTREAM_KEY_ID).count)() == 1
    replayed = await get(app, path, *headers)
    assert replayed["status"] == 401 and django.calls == 2  # Django refuses the replay
    forged = await get(app, path, *signed_headers(signing.generate_keypair(), path))
    assert forged["status"] == 401 and django.calls == 3
    assert await sync_to_async(SeenNonce.objects.count)() == 1


async def test_an_anonymous_miss_is_answered_in_front_within_the_rate_limit_then_django_limits_it(industry):
    app, django, _upstream = industry
    codes = [format_identifier(prefix="CN.510000.C15", class_code="A", serial=serial) for serial in (50, 51, 52)]
    first = await get(app, f"/api/v1/identifiers/{codes[0]}/")  # Django (headers learnt); the limiter counts 1
    second = await get(app, f"/api/v1/identifiers/{codes[1]}/", (b"accept-language", b"en"))
    assert first["status"] == second["status"] == 404 and django.calls == 1
    assert json.loads(second["body"])["detail"] == "This node has no such compute identifier."
    first_headers = {name.lower(): value for name, value in first["headers"]}
    assert {name.lower(): value for name, value in second["headers"]}[b"content-type"] == first_headers[b"content-type"]
    await get(app, f"/api/v1/identifiers/{codes[2]}/")
    assert django.calls == 1
    limited = await get(app, f"/api/v1/identifiers/{codes[2]}/")  # the fourth in a minute: 3/minute
    assert limited["status"] == 429 and django.calls == 2
    with_session = await get(app, f"/api/v1/identifiers/{codes[2]}/", (b"cookie", b"sessionid=abc"))
    assert with_session["status"] == 429 and django.calls == 3  # a visitor with a cookie: Django
