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

from federation import signing, upstream_keys
from federation.models import NodeKey, UpstreamKey, UpstreamLink
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

    def hold(self, client, name: str):
        body = json.dumps(PAYLOAD).encode()
        headers = signing.sign_headers(
            private_key=self.keys[name].private_key,
            key_id=f"CN.510000:node:{name}",
            method="POST",
            path=HOLD,
            body=body,
            idempotency_key="",
            timestamp=int(time.time()),
            algorithm="sm2",
        )
        meta = {"HTTP_" + header.upper().replace("-", "_"): value for header, value in headers.items()}
        return client.post(HOLD, body, content_type="application/json", **meta).status_code


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
