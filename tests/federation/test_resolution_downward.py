"""Lookups going down (national → regional → industry) are signed like upward requests (issue 14): the
upstream signs with its own key (federation/node_key.py), hands its public half over at enrolment, and the
node below verifies — a good signature is the known upstream (not rate-limited as anonymous), a bad,
replayed or unknown-key one is a 401; a node enrolled before keys were handed over answers as anonymous."""

import json
import time
from unittest import mock

import httpx
import pytest
from django.utils import timezone

from catalog.resolution import identifier_resolve
from federation import http, signing
from federation.models import NodeKey, Peer, SeenNonce, UpstreamLink
from federation.registry import enrolment_code_issue, node_enrol
from organizations.identifiers import format_identifier

pytestmark = pytest.mark.django_db
CODE = format_identifier(prefix="CN.510000.C15", class_code="A", serial=1)
PATH = f"/api/v1/identifiers/{CODE}/"
UPSTREAM_KEY_ID = "CN.510000:node:0123456789ab"


@pytest.fixture
def industry(settings):
    """This database as the liquor industry node, enrolled with the Sichuan regional node, whose own key
    the test holds; a tight anonymous rate limit."""
    settings.NODE_ROLE, settings.NODE_IDENTIFIER_PREFIX, settings.UPSTREAM_NODE_URL = "industry", "CN.510000.C15", ""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": "5/minute", "provider": "2/minute"},
    }
    upstream = signing.generate_keypair()
    own = signing.generate_keypair()
    UpstreamLink.objects.create(
        url="http://regional.example",
        upstream_prefix="CN.510000",
        upstream_name="四川省区域节点",
        prefix="CN.510000.C15",
        role="industry",
        key_id="CN.510000.C15:aa",
        private_key=own.private_key,
        enrolled_at=timezone.now(),
        upstream_key_id=UPSTREAM_KEY_ID,
        upstream_public_key=upstream.public_key,
    )
    return upstream


def signed(keys, *, key_id=UPSTREAM_KEY_ID, path=PATH, **overrides) -> dict:
    headers = signing.sign_headers(
        private_key=keys.private_key,
        key_id=key_id,
        method="GET",
        path=path,
        body=b"",
        idempotency_key="",
        timestamp=int(time.time()),
    )
    meta = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}
    meta.update(overrides)
    return meta


def test_the_node_below_verifies_its_upstreams_signature(industry, client):
    assert [client.get(PATH).status_code for _ in range(3)] == [404, 404, 429]  # anonymous: limited
    assert [client.get(PATH, **signed(industry)).status_code for _ in range(4)] == [404] * 4  # the upstream: not
    assert SeenNonce.objects.filter(key_id=UPSTREAM_KEY_ID).count() == 4

    meta = signed(industry)
    assert client.get(PATH, **meta).status_code == 404
    assert client.get(PATH, **meta).status_code == 401  # replayed
    assert client.get(PATH, **signed(industry, HTTP_X_NODE_SIGNATURE="AAAA")).status_code == 401
    forger = signing.generate_keypair()  # the upstream's key id, another key
    assert client.get(PATH, **signed(forger)).status_code == 401
    # another key id claiming the upstream's prefix, or a prefix nobody registered
    assert client.get(PATH, **signed(forger, key_id="CN.510000:node:ffffffffffff")).status_code == 401
    assert client.get(PATH, **signed(forger, key_id="CN.130000:node:ffffffffffff")).status_code == 401


def test_a_node_enrolled_before_keys_were_handed_over_answers_as_anonymous(industry, client):
    UpstreamLink.objects.update(upstream_key_id="", upstream_public_key="")
    assert [client.get(PATH, **signed(industry)).status_code for _ in range(3)] == [404, 404, 429]


def test_the_upstream_signs_lookups_down_with_its_own_key(settings):
    settings.NODE_ROLE, settings.NODE_IDENTIFIER_PREFIX, settings.UPSTREAM_NODE_URL = "regional", "CN.510000", ""
    Peer.objects.create(name="酒的制造业行业节点", role="industry", prefix="CN.510000.C15", url="http://c15.example")
    asked = []

    def unreachable(request: httpx.Request):
        asked.append(request)
        raise httpx.ConnectError("unreachable", request=request)

    with mock.patch.object(http, "client", lambda: httpx.Client(transport=httpx.MockTransport(unreachable))):
        assert identifier_resolve(code=CODE).status == 502
    [request] = asked
    assert str(request.url) == "http://c15.example" + PATH
    headers = dict(request.headers)  # case-insensitive
    key = NodeKey.objects.get()
    assert key.key_id.startswith("CN.510000:node:") and headers["x-node-key-id"] == key.key_id
    message = signing.canonical_string(
        method="GET",
        path=PATH,
        timestamp=headers["x-node-timestamp"],
        nonce=headers["x-node-nonce"],
        key_id=key.key_id,
        idempotency_key="",
        body=b"",
    )
    assert signing.signature_valid(public_key=key.public_key, signature=headers["x-node-signature"], message=message)


def test_enrolment_hands_the_upstreams_key_over(settings, client):
    settings.NODE_ROLE, settings.NODE_IDENTIFIER_PREFIX, settings.UPSTREAM_NODE_URL = "regional", "CN.510000", ""
    code, _row = enrolment_code_issue(segment="C15", name="酒的制造业行业节点")

    def enrol_request(*, base_url, payload):  # the handshake, over the test client instead of HTTP
        response = client.post("/api/v1/federation/enrol/", json.dumps(payload), content_type="application/json")
        return response.status_code, response.json()

    # the same database plays the new node (node_enrol's settings) while the view answers as the regional node
    with (
        mock.patch("federation.registry.enrol_request", enrol_request),
        mock.patch("federation.registry.settings") as node,
    ):
        node.NODE_ROLE, node.NODE_NAME, node.NODE_PUBLIC_URL = (
            "industry",
            "酒的制造业行业节点",
            "http://c15.example",
        )
        link = node_enrol(upstream="http://regional.example", code=code)
    key = NodeKey.objects.get()
    assert (link.upstream_key_id, link.upstream_public_key) == (key.key_id, key.public_key)
    assert link.prefix == "CN.510000.C15"
