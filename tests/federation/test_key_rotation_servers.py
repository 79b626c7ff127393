"""Three real nodes on loopback with mixed signature algorithms (issue 14, item 2: 商用密码 and key rotation):
the national node signs with SM2/SM3, the Sichuan regional node with Ed25519, the liquor industry node with
SM2. Enrolment, signed requests up (SM2 industry → Ed25519 regional, Ed25519 regional → SM2 national) and
down (SM2 national → Ed25519 regional) verify; private keys are sealed in every database; the national
operator rotates its downward key: inside the overlap window the regional node accepts both keys, after it
only the new one, also when it heard nothing of a second rotation (its knowledge of the keys goes stale).
A rotation is pushed down at once (federation/key_rotation.py): with ``--revoke-old`` the regional node
refuses the old key right away although its keys TTL is an hour; a notice to a node that is down arrives
through the outbox after its restart.
"""

import time

import pytest

from tests.federation.nodes import enrol, loopback_nodes, outbox_rows, printed  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.slow, pytest.mark.own_databases]

FILE = """
import urllib.error
from federation.client import signed_request
from organizations.identifiers import format_identifier

filing = {{
    "identifier": format_identifier(prefix="{prefix}", class_code="A", serial=1),
    "node_prefix": "{prefix}", "class_code": "A", "name": "A100 集群",
    "provider": "测试单位", "provider_uscc": "91510100MA61TF01X0", "division_code": "510100",
    "issued_at": "2026-03-02T10:00:00+08:00",
}}
try:
    signed_request(method="POST", path="/api/v1/federation/filings/identifiers/", payload=filing, idempotency_key="f1")
    print("FILED=201")
except urllib.error.HTTPError as error:
    print(f"FILED={{error.code}}")
"""
# on the national node: holds down to the regional node signed with a given key
HOLDS = """
import io, json, time, urllib.error, urllib.request
from django.core.management import call_command
from django.utils import timezone
from federation import signing
from federation.key_rotation import node_key_rotate
from federation.models import NodeKey, Peer

peer = Peer.objects.get(prefix="CN.510000")
body = json.dumps({payload}).encode()
path = "/api/v1/network/holds/"


def hold(key):
    headers = {{"Content-Type": "application/json", "Accept": "application/json"}}
    headers.update(signing.sign_headers(private_key=key.private_key, key_id=key.key_id, method="POST", path=path,
        body=body, idempotency_key="", timestamp=int(time.time()), algorithm=key.algorithm))
    request = urllib.request.Request(peer.url + path, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def live():
    return NodeKey.objects.get(revoked_at__isnull=True)


def past_window(key):
    key.refresh_from_db()
    time.sleep(max(0.0, (key.retires_at - timezone.now()).total_seconds()) + 1)


def rotate(*args):
    out = io.StringIO()
    call_command("node_key_rotate", *args, stdout=out)
    print(out.getvalue())
"""
# around two rotations
ROTATE = """

first = live()
statuses = [hold(first)]
call_command("node_key_rotate", "--overlap", "{overlap}")
second = live()
statuses += [hold(first), hold(second)]  # inside the window: both
past_window(first)
statuses += [hold(first), hold(second)]  # after it: only the new key
# again, the notice queued but not delivered (as to a node that does not answer): nothing reaches the
# regional node in the window
node_key_rotate(overlap_seconds=4, notify=False)
third = live()
past_window(second)
statuses += [hold(second), hold(third)]
print("ALGORITHMS=" + ",".join(key.algorithm for key in (first, second, third)))
print("STATUSES=" + ",".join(map(str, statuses)))
"""
# a leaked key: revoked with the rotation, refused below at once
REVOKE = """
first = live()
statuses = [hold(first)]
rotate("--revoke-old")
statuses += [hold(first), hold(live())]
print("STATUSES=" + ",".join(map(str, statuses)))
"""
# the regional node is down while the national operator revokes again
REVOKE_WHILE_DOWN = """
rotate("--overlap", "0")
"""
AFTER_RESTART = """
second, third = NodeKey.objects.order_by("-created_at")[1], live()
statuses = [hold(second)]  # the regional node has not heard yet: its knowledge is fresh (TTL one hour)
call_command("federation_drain")  # the outbox's retry
statuses += [hold(second), hold(third)]
print("STATUSES=" + ",".join(map(str, statuses)))
"""
HOLD = {
    "request_key": "ab" * 16,
    "reference": "match:1",
    "identifier": "CN.510000/A00000009J",  # none such: a verified request is answered 404
    "cards": 1,
    "hours": 1,
    "unit_price_yuan": "10.00",
}


def test_mixed_algorithms_interoperate_and_a_retired_downward_key_is_refused_after_its_window(loopback_nodes):  # noqa: F811
    national = loopback_nodes("national", NODE_ROLE="national", NODE_SIGNATURE_ALGORITHM="sm2")
    regional = loopback_nodes(
        "regional",
        NODE_ROLE="regional",
        NODE_SIGNATURE_ALGORITHM="ed25519",
        FEDERATION_UPSTREAM_KEYS_TTL_SECONDS="3",  # not longer than the national overlap windows below
        UPSTREAM_TIMEOUT_SECONDS="30",
    )
    industry = loopback_nodes("industry", NODE_ROLE="industry", NODE_SIGNATURE_ALGORITHM="sm2")
    national.start()
    regional.start()
    assert enrol(regional, national, segment="510000", name="四川省区域节点") == "CN.510000"
    assert enrol(industry, regional, segment="C15", name="酒的制造业行业节点") == "CN.510000.C15"
    keys = "SELECT p.prefix, k.algorithm FROM federation_peerkey k JOIN federation_peer p ON k.peer_id = p.id"
    assert national.query(keys) == [("CN.510000", "ed25519")]
    assert regional.query(keys) == [("CN.510000.C15", "sm2")]
    link = "SELECT algorithm, upstream_key_algorithm, private_key FROM federation_upstreamlink"
    [(own, above, industry_sealed)] = industry.query(link)
    [(regional_own, regional_above, regional_sealed)] = regional.query(link)
    assert (own, above, regional_own, regional_above) == ("sm2", "ed25519", "ed25519", "sm2")
    # private keys are sealed at rest on every node
    [(national_sealed,)] = national.query("SELECT private_key FROM federation_nodekey")
    assert all(value.startswith("gAAAAA") for value in (industry_sealed, regional_sealed, national_sealed))

    # up: the SM2 industry node files with the Ed25519 regional node, the Ed25519 regional with the SM2 national
    assert printed(industry.shell(FILE.format(prefix="CN.510000.C15")), "FILED") == "201"
    assert printed(regional.shell(FILE.format(prefix="CN.510000")), "FILED") == "201"

    # down, around two rotations of the national node's SM2 key
    output = national.shell(HOLDS.format(payload=repr(HOLD)) + ROTATE.format(overlap=10))
    assert printed(output, "ALGORITHMS") == "sm2,sm2,sm2"
    assert printed(output, "STATUSES").split(",") == [
        "404",  # the key handed over at enrolment: verified (no such resource)
        "404",  # rotated: the old key inside its window
        "404",  # the new key (the regional node reads the published keys)
        "403",  # the old key after its window
        "404",
        "403",  # rotated again without the regional node hearing of it: refused once what it knew went stale
        "404",
    ]


def test_a_revoked_downward_key_is_refused_below_at_once_and_a_node_that_was_down_hears_of_it_by_the_outbox(
    loopback_nodes,  # noqa: F811
):
    national = loopback_nodes(
        "national", NODE_ROLE="national", NODE_SIGNATURE_ALGORITHM="sm2", OUTBOX_BACKOFF_BASE_SECONDS="1"
    )
    regional = loopback_nodes(
        "regional",
        NODE_ROLE="regional",
        FEDERATION_UPSTREAM_KEYS_TTL_SECONDS="3600",  # without the push, a withdrawn key stays accepted an hour
        UPSTREAM_TIMEOUT_SECONDS="30",
    )
    national.start()
    regional.start()
    assert enrol(regional, national, segment="510000", name="四川省区域节点") == "CN.510000"
    helpers = HOLDS.format(payload=repr(HOLD))

    output = national.shell(helpers + REVOKE)
    assert "NOTIFIED=CN.510000 refuses every retired key" in output
    assert printed(output, "STATUSES").split(",") == [
        "404",  # the key handed over at enrolment: verified (no such resource)
        "403",  # revoked: refused by the regional node at once, an hour before its TTL
        "404",  # the new key
    ]
    notices = "SELECT kind, status, attempts FROM federation_outboxmessage WHERE peer_id IS NOT NULL ORDER BY id"
    assert national.query(notices) == [("upstream_key_rotated", "sent", 1)]

    regional.stop()
    output = national.shell(helpers + REVOKE_WHILE_DOWN)
    assert "PENDING=CN.510000" in output
    assert national.query(notices)[-1] == ("upstream_key_rotated", "pending", 1)
    regional.start()
    # the drain below is the outbox's retry: wait until the notice is due (1 s back-off after the failed attempt;
    # with the nodes' commands forked, bench/forkserver.py, the restart no longer takes that long by itself)
    deadline = time.monotonic() + 30
    while outbox_rows(national, "upstream_key_rotated")[-1][3] > 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    output = national.shell(helpers + AFTER_RESTART)
    assert printed(output, "STATUSES").split(",") == ["404", "403", "404"]
    assert national.query(notices)[-1] == ("upstream_key_rotated", "sent", 2)
