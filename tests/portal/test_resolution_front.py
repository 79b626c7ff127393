"""Cached answers about other nodes' identifiers are served in front of Django (portal/resolution_asgi.py):
the same body and headers as Django's answer, without Django; everything else still goes to Django."""

import pytest
from channels.testing import HttpCommunicator
from django.core.cache import cache

from catalog.resolution import CACHE_PREFIX
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


async def test_misses_signed_requests_and_dropped_entries_go_to_django(front):
    app, django = front
    path = f"/api/v1/identifiers/{CODE}/"
    await get(app, path)
    calls = django.calls
    signed = await get(app, path, (b"x-node-key-id", b"unknown"), (b"x-node-timestamp", b"1"))
    assert signed["status"] == 401 and django.calls == calls + 1  # a bad signature is still refused
    unknown = format_identifier(prefix="CN.130000", class_code="A", serial=8)
    await get(app, f"/api/v1/identifiers/{unknown}/")
    assert django.calls == calls + 2
    cache.delete(CACHE_PREFIX + CODE)  # what a state change received from below does
    await get(app, path)
    assert django.calls == calls + 3
