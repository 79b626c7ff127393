"""Node-to-node resolution is exempt from the anonymous rate limit (issue 14): a node below asks its
upstream with a signed request, which the upstream authenticates as that node; anonymous callers stay
limited, and a bad or replayed signature is refused (401), never treated as anonymous."""

from unittest import mock

import httpx
import pytest

from catalog.resolution import identifier_resolve
from federation import http, signing
from organizations.identifiers import format_identifier
from tests.federation.signed import enrol

pytestmark = pytest.mark.django_db
CODE = format_identifier(prefix="CN.510000.C16", class_code="A", serial=1)  # nobody answers for C16 here
PATH = f"/api/v1/identifiers/{CODE}/"


@pytest.fixture
def limited(settings):
    settings.NODE_ROLE, settings.NODE_IDENTIFIER_PREFIX, settings.UPSTREAM_NODE_URL = "regional", "CN.510000", ""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": "5/minute", "provider": "2/minute"},
    }
    return settings


def signed_get(client, node, path=PATH, **overrides):
    meta = node.headers(method="GET", path=path, body=b"")
    meta.update(overrides)
    return client.get(path, **meta)


def test_an_enrolled_node_is_not_limited_as_anonymous(limited, client):
    node = enrol(segment="C15", name="酒的制造业行业节点")
    assert [client.get(PATH).status_code for _ in range(2)] == [404, 404]
    assert client.get(PATH).status_code == 429  # the anonymous budget of this address is spent
    assert [signed_get(client, node).status_code for _ in range(5)] == [404] * 5  # signed: answered


def test_a_bad_or_replayed_signature_is_refused_not_served_anonymously(limited, client):
    node = enrol(segment="C15", name="酒的制造业行业节点")
    assert signed_get(client, node, HTTP_X_NODE_SIGNATURE="AAAA").status_code == 401
    meta = node.headers(method="GET", path=PATH, body=b"")
    assert client.get(PATH, **meta).status_code == 404
    assert client.get(PATH, **meta).status_code == 401  # the same nonce again
    other = node.headers(method="GET", path=PATH.replace("A0", "G0"), body=b"")
    assert client.get(PATH, **other).status_code == 401  # signed for another path


def test_the_node_signs_its_resolution_requests_upward(settings, db):
    settings.NODE_ROLE, settings.NODE_IDENTIFIER_PREFIX, settings.UPSTREAM_NODE_URL = "national", "CN", ""
    node = enrol(segment="510000", name="四川省区域节点")
    node.link(url="http://upstream.example")  # this database is also the enrolled regional node
    settings.NODE_ROLE, settings.NODE_IDENTIFIER_PREFIX = "regional", "CN.510000"
    asked = []

    def unreachable(request: httpx.Request):
        asked.append(request)
        raise httpx.ConnectError("unreachable", request=request)  # what is sent is all this test looks at

    foreign = format_identifier(prefix="CN.130000", class_code="A", serial=1)
    with mock.patch.object(http, "client", lambda: httpx.Client(transport=httpx.MockTransport(unreachable))):
        assert identifier_resolve(code=foreign).status == 502
    [request] = asked
    headers = dict(request.headers)  # case-insensitive
    assert headers[signing.HEADER_KEY_ID.lower()] == node.key_id
    message = signing.canonical_string(
        method="GET",
        path=f"/api/v1/identifiers/{foreign}/",
        timestamp=headers[signing.HEADER_TIMESTAMP.lower()],
        nonce=headers[signing.HEADER_NONCE.lower()],
        key_id=node.key_id,
        idempotency_key="",
        body=b"",
    )
    assert signing.signature_valid(
        public_key=node.keys.public_key, signature=headers[signing.HEADER_SIGNATURE.lower()], message=message
    )
