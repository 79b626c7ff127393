"""A regional node relays its industry nodes' registrations to the national node (federation/peer_relay.py):
the root's registry lists them under their regional node; a regional node cannot register a prefix outside
its own, nor take over another node's; resolution still goes through the regional node."""

import pytest
from django.utils import timezone

from federation import signing
from federation.models import OutboxMessage, Peer, UpstreamLink
from federation.peer_relay import PEER_RELAY, PEER_RELAY_PATH
from federation.registry import peer_revoke
from federation.selectors import network_position, peer_for_prefix

from .signed import enrol

pytestmark = pytest.mark.django_db


def registration(prefix: str, **extra) -> dict:
    return {
        "prefix": prefix,
        "name": "酒的制造业行业节点",
        "role": "industry",
        "url": "http://industry.example",
        "state": "active",
        "enrolled_at": "2026-08-01T10:00:00+08:00",
        **extra,
    }


def test_a_regional_node_queues_its_industry_nodes_registration_and_revocation(settings):
    settings.NODE_ROLE, settings.NODE_IDENTIFIER_PREFIX = "regional", "CN.510000"
    assert not OutboxMessage.objects.exists()
    sichuan = enrol(segment="C15")
    assert not OutboxMessage.objects.exists()  # no upstream yet: nothing to tell
    keys = signing.generate_keypair()  # this node is enrolled with a national node
    UpstreamLink.objects.create(
        url="http://national.example",
        upstream_prefix="CN",
        upstream_name="国家节点",
        prefix="CN.510000",
        role="regional",
        key_id="CN.510000:test",
        private_key=keys.private_key,
        enrolled_at=timezone.now(),
    )
    industry = enrol(segment="C39", name="电子信息行业节点", url="http://c39.example")
    [message] = OutboxMessage.objects.filter(kind=PEER_RELAY)
    assert message.path == PEER_RELAY_PATH
    assert message.payload["prefix"] == "CN.510000.C39" and message.payload["state"] == "active"
    assert message.payload["url"] == "http://c39.example"
    assert "public_key" not in message.payload  # keys never leave the node that holds them
    peer_revoke(peer=industry.peer)
    states = list(OutboxMessage.objects.filter(kind=PEER_RELAY).values_list("payload__state", flat=True))
    assert states == ["active", "revoked"]
    assert sichuan.peer.prefix == "CN.510000.C15"


def test_the_national_registry_lists_industry_nodes_under_their_regional_node(settings, client):
    settings.NODE_ROLE, settings.NODE_IDENTIFIER_PREFIX = "national", "CN"
    sichuan = enrol(segment="510000", name="四川省区域节点")
    hebei = enrol(segment="130000", name="河北省区域节点")

    response = sichuan.post(client, PEER_RELAY_PATH, registration("CN.510000.C15"), key="r1")
    assert response.status_code == 200, response.content
    child = Peer.objects.get(prefix="CN.510000.C15")
    assert (child.role, child.via, child.url, child.state) == (
        "industry",
        sichuan.peer,
        "http://industry.example",
        "active",
    )
    assert child.keys.count() == 0  # it cannot sign at the root
    position = network_position()
    [entry] = [peer for peer in position["downstream"] if peer["prefix"] == "CN.510000"]
    assert [below["prefix"] for below in entry["below"]] == ["CN.510000.C15"]
    assert all(peer["prefix"] != "CN.510000.C15" for peer in position["downstream"])
    assert peer_for_prefix(prefix="CN.510000.C15") == sichuan.peer  # resolution goes through the regional node

    # outside its prefix, its own prefix, deeper than one level, or another regional node's child: refused
    for prefix in ("CN.130000.C15", "CN.510000", "CN.510000.C15.X1"):
        response = sichuan.post(client, PEER_RELAY_PATH, registration(prefix), key=f"bad-{prefix}")
        assert response.status_code == 403, prefix
    response = hebei.post(client, PEER_RELAY_PATH, registration("CN.510000.C15", name="冒名"), key="h1")
    assert response.status_code == 403
    assert not Peer.objects.filter(prefix__in=["CN.130000.C15", "CN.510000.C15.X1"]).exists()
    assert Peer.objects.get(prefix="CN.510000.C15").name == "酒的制造业行业节点"
    # unsigned: 401
    assert (
        client.post(PEER_RELAY_PATH, registration("CN.510000.C16"), content_type="application/json").status_code == 401
    )

    # a revocation relayed the same way takes it off the registry's list
    response = sichuan.post(client, PEER_RELAY_PATH, registration("CN.510000.C15", state="revoked"), key="r2")
    assert response.status_code == 200
    assert Peer.objects.get(prefix="CN.510000.C15").state == "revoked"
    [entry] = [peer for peer in network_position()["downstream"] if peer["prefix"] == "CN.510000"]
    assert entry["below"] == []


def test_a_regional_node_does_not_accept_relayed_registrations(settings, client):
    settings.NODE_ROLE, settings.NODE_IDENTIFIER_PREFIX = "regional", "CN.510000"
    industry = enrol(segment="C15")
    response = industry.post(client, PEER_RELAY_PATH, registration("CN.510000.C15.A1"), key="x")
    assert response.status_code == 404


def test_the_network_position_says_which_algorithm_the_node_signs_with(settings, client):
    settings.NODE_ROLE, settings.NODE_IDENTIFIER_PREFIX, settings.NODE_SIGNATURE_ALGORITHM = "national", "CN", "sm2"
    assert client.get("/api/v1/federation/network/").json()["signature_algorithm"] == "sm2"
