"""Rotation of an upstream node's downward key (federation/node_key.py, upstream_keys.py): the operator
rotates; the new key signs at once, the old one stays published and accepted below until the end of the
overlap window, then only the new one is; a node below that missed the rotation learns it when what it knows
goes stale, and refuses what it cannot confirm."""

import datetime
import json
import time
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from federation import downlink, signing, upstream_keys
from federation.http import Unreachable
from federation.key_rotation import KIND, NOTICE_PATH, node_key_rotate
from federation.models import NodeKey, OutboxMessage, Peer, UpstreamKey, UpstreamLink
from federation.node_key import node_key

pytestmark = pytest.mark.django_db
KEY_URL = "/api/v1/federation/node-key/"
HOLD = "/api/v1/network/holds/"
PAYLOAD = {
    "request_key": "ab" * 16,
    "reference": "match:1",
    "identifier": "CN.510000.C15/A-000001",
    "cards": 1,
    "hours": 1,
    "unit_price_yuan": "10.00",
}


def test_rotation_publishes_the_old_key_until_the_end_of_its_window(settings, capsys):
    settings.NODE_ROLE = "regional"
    old = node_key()
    call_command("node_key_rotate", "--overlap", "600")
    out = capsys.readouterr().out
    new = node_key()
    assert new != old and f"KEY={new.key_id}" in out and f"RETIRED={old.key_id}" in out
    old.refresh_from_db()
    assert old.revoked_at is not None and old.retires_at > timezone.now() + datetime.timedelta(seconds=590)
    body = APIClient().get(KEY_URL).json()
    assert body["key_id"] == new.key_id  # the live key signs
    assert [(key["key_id"], key["retires_at"] is None) for key in body["keys"]] == [
        (new.key_id, True),
        (old.key_id, False),
    ]
    NodeKey.objects.filter(pk=old.pk).update(retires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert [key["key_id"] for key in APIClient().get(KEY_URL).json()["keys"]] == [new.key_id]


def test_an_industry_node_has_no_downward_key_to_rotate(settings):
    settings.NODE_ROLE = "industry"
    with pytest.raises(Exception, match="industry node"):
        call_command("node_key_rotate")


class Upstream:
    """The upstream as this node below sees it: its keys and what its node-key endpoint publishes."""

    def __init__(self):
        self.keys = {"K1": signing.generate_keypair("sm2"), "K2": signing.generate_keypair("sm2")}
        self.published: list[dict] = []
        self.asked = 0

    def publish(self, **retires):
        self.published = [
            {
                "key_id": f"CN.510000:node:{name}",
                "algorithm": "sm2",
                "public_key": self.keys[name].public_key,
                "retires_at": retires[name].isoformat() if retires[name] else None,
            }
            for name in retires
        ]

    def signed_request(self, *, method, path):
        self.asked += 1
        if not self.published:
            raise ConnectionError("upstream down")
        return {"keys": self.published}

    def post(self, client, name: str, path: str, payload: dict):
        body = json.dumps(payload).encode()
        headers = signing.sign_headers(
            private_key=self.keys[name].private_key,
            key_id=f"CN.510000:node:{name}",
            method="POST",
            path=path,
            body=body,
            idempotency_key="",
            timestamp=int(time.time()),
            algorithm="sm2",
        )
        meta = {"HTTP_" + header.upper().replace("-", "_"): value for header, value in headers.items()}
        return client.post(path, body, content_type="application/json", **meta)

    def hold(self, client, name: str):
        return self.post(client, name, HOLD, PAYLOAD).status_code

    def notice(self, client, name: str, *, claims: str, raw: bool = False):
        """The rotation notice, signed with key ``name``, naming key ``claims`` as the new one."""
        response = self.post(client, name, NOTICE_PATH, {"key_id": f"CN.510000:node:{claims}", "retired": []})
        return response if raw else response.status_code


@pytest.fixture
def upstream(settings, monkeypatch):
    """This database as the industry node below an SM2 regional node whose key K1 it got at enrolment."""
    settings.NODE_ROLE, settings.NODE_IDENTIFIER_PREFIX, settings.UPSTREAM_NODE_URL = "industry", "CN.510000.C15", ""
    settings.FEDERATION_UPSTREAM_KEYS_TTL_SECONDS = 300
    monkeypatch.setattr(upstream_keys, "MIN_REFRESH_SECONDS", 0)
    regional = Upstream()
    monkeypatch.setattr(upstream_keys, "signed_request", regional.signed_request)
    UpstreamLink.objects.create(
        url="http://regional.example",
        upstream_prefix="CN.510000",
        upstream_name="四川省区域节点",
        prefix="CN.510000.C15",
        role="industry",
        key_id="CN.510000.C15:aa",
        private_key=signing.generate_keypair().private_key,
        enrolled_at=timezone.now(),
        upstream_key_id="CN.510000:node:K1",
        upstream_public_key=regional.keys["K1"].public_key,
        upstream_key_algorithm="sm2",
    )
    return regional


def test_both_keys_are_accepted_in_the_window_and_only_the_new_one_after_it(upstream, client):
    assert upstream.hold(client, "K1") == 404  # verified (no such resource here), without asking upstream
    assert upstream.asked == 0
    soon = timezone.now() + datetime.timedelta(seconds=60)
    upstream.publish(K2=None, K1=soon)  # the upstream rotated
    assert upstream.hold(client, "K2") == 404  # an unknown key: the published keys are read
    assert upstream.asked == 1
    assert upstream.hold(client, "K1") == 404  # inside the overlap window
    assert UpstreamKey.objects.get(key_id="CN.510000:node:K1").retires_at == soon

    with mock.patch("django.utils.timezone.now", return_value=soon + datetime.timedelta(seconds=1)):
        assert upstream.hold(client, "K1") == 403  # the window is over
        assert upstream.hold(client, "K2") == 404


def test_a_node_that_missed_the_rotation_refuses_the_retired_key_once_its_knowledge_is_stale(upstream, client):
    upstream.publish(K2=None)  # rotated, and the overlap is over: K1 is no longer published
    assert upstream.hold(client, "K1") == 404  # what it knows (from enrolment) is fresh: accepted
    later = timezone.now() + datetime.timedelta(seconds=301)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert upstream.hold(client, "K1") == 403  # stale: read again, K1 is gone
        assert upstream.hold(client, "K2") == 404
    assert list(UpstreamKey.objects.values_list("key_id", flat=True)) == ["CN.510000:node:K2"]


def test_stale_knowledge_that_cannot_be_confirmed_is_refused(upstream, client):
    later = timezone.now() + datetime.timedelta(seconds=301)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert upstream.hold(client, "K1") == 403  # the upstream does not answer: fail closed
    assert upstream.asked == 1


def test_a_rotation_notice_makes_the_node_below_refuse_a_withdrawn_key_at_once(upstream, client):
    """Pushed down (federation/key_rotation.py): without waiting for its TTL, the node below reads the
    published keys when its upstream says it rotated; what it accepts is what is published, not what the
    notice says."""
    upstream.publish(K2=None)  # rotated with --revoke-old: K1 is no longer published
    assert upstream.hold(client, "K1") == 404  # what it knows (from enrolment) is fresh: still accepted
    response = upstream.notice(client, "K2", claims="K2", raw=True)
    assert response.status_code == 200
    assert response.json() == {"accepted_key_ids": ["CN.510000:node:K2"]}
    assert upstream.hold(client, "K1") == 403  # at once, five minutes before the TTL
    assert upstream.hold(client, "K2") == 404


def test_a_rotation_notice_the_published_keys_cannot_confirm_is_refused(upstream, client):
    upstream.publish(K1=None)  # the upstream publishes only K1: K2 is no key of it
    assert upstream.notice(client, "K2", claims="K2") == 403
    assert list(UpstreamKey.objects.values_list("key_id", flat=True)) == ["CN.510000:node:K1"]
    assert upstream.hold(client, "K1") == 404


@pytest.fixture
def below(settings):
    """This database as the Sichuan regional node with two active nodes enrolled directly below it, one
    revoked and one registered through another node (neither of those two verifies this node's key)."""
    settings.NODE_ROLE, settings.NODE_IDENTIFIER_PREFIX = "regional", "CN.510000"
    now = timezone.now()
    made = {}
    for prefix, state in (("CN.510000.C15", "active"), ("CN.510000.I65", "active"), ("CN.510000.C26", "revoked")):
        made[prefix] = Peer.objects.create(
            name=prefix,
            role="industry",
            prefix=prefix,
            url=f"http://{prefix.lower()}.example",
            state=state,
            enrolled_at=now,
        )
    Peer.objects.create(
        name="via",
        role="industry",
        prefix="CN.510000.C15.X",
        url="http://x.example",
        via=made["CN.510000.C15"],
        enrolled_at=now,
    )
    return made


def test_a_rotation_is_pushed_to_every_active_node_below_signed_with_the_new_key(
    below, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []

    def exchange(*, method, url, headers, body=b""):
        sent.append((url, headers, body))
        if "i65" in url:
            raise Unreachable("ConnectError: refused")
        return 200, {"accepted_key_ids": [headers[signing.HEADER_KEY_ID]]}

    monkeypatch.setattr(downlink, "exchange", exchange)
    old = node_key()
    with django_capture_on_commit_callbacks(execute=True):
        rotation = node_key_rotate(revoke_old=True)
    new = rotation.key
    assert [url for url, _, _ in sent] == [
        "http://cn.510000.c15.example" + NOTICE_PATH,
        "http://cn.510000.i65.example" + NOTICE_PATH,
    ]
    url, headers, body = sent[0]
    assert headers[signing.HEADER_KEY_ID] == new.key_id and json.loads(body)["key_id"] == new.key_id
    message = signing.canonical_string(
        method="POST",
        path=NOTICE_PATH,
        timestamp=headers[signing.HEADER_TIMESTAMP],
        nonce=headers[signing.HEADER_NONCE],
        key_id=new.key_id,
        idempotency_key=headers["Idempotency-Key"],
        body=body,
        algorithm=new.algorithm,
    )
    assert signing.signature_valid(
        public_key=new.public_key,
        signature=headers[signing.HEADER_SIGNATURE],
        message=message,
        algorithm=new.algorithm,
    )
    assert json.loads(body)["retired"][0]["key_id"] == old.key_id
    rows = OutboxMessage.objects.filter(kind=KIND).order_by("peer__prefix")
    assert [(row.peer.prefix, row.status, row.attempts) for row in rows] == [
        ("CN.510000.C15", "sent", 1),
        ("CN.510000.I65", "pending", 1),  # down: the outbox retries with back-off
    ]
    assert rows[1].next_attempt_at > timezone.now()

    # rotated again before the node that was down came back: its old notice is superseded by the new one
    with django_capture_on_commit_callbacks(execute=True):
        node_key_rotate(overlap_seconds=0)
    pending = OutboxMessage.objects.filter(kind=KIND, peer=below["CN.510000.I65"]).order_by("pk")
    assert [row.status for row in pending] == ["dropped", "pending"]


@pytest.mark.django_db(transaction=True)  # as in production: the action runs outside a transaction
def test_the_admin_action_revokes_the_old_key_and_says_node_by_node_what_became_of_the_notice(
    below, monkeypatch, admin_client
):
    def exchange(*, method, url, headers, body=b""):
        if "i65" in url:
            raise Unreachable("ConnectError: refused")
        return 200, {"accepted_key_ids": [headers[signing.HEADER_KEY_ID]]}

    monkeypatch.setattr(downlink, "exchange", exchange)
    old = node_key()
    response = admin_client.post(
        "/django-admin/federation/nodekey/",
        {"action": "rotate_node_key_revoking_old", "_selected_action": [old.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "下级节点 CN.510000.C15 已收到通知，已拒绝所有旧密钥。" in text
    assert "下级节点 CN.510000.I65 暂时无法连接，通知将自动重试。" in text
    old.refresh_from_db()
    assert old.retires_at <= timezone.now()  # withdrawn at once
    assert [key["key_id"] for key in APIClient().get(KEY_URL).json()["keys"]] == [node_key().key_id]
