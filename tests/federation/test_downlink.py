"""The upstream's key for requests down the network (federation/downlink.py): made once, published read-only
on a regional or national node (absent on an industry node), and a node below fetches it only from its own
upstream: a key id its upstream does not publish is refused."""

import pytest
from rest_framework.test import APIClient

from federation import downlink
from federation.models import NodeKey

URL = "/api/v1/federation/node-key/"


@pytest.mark.django_db
def test_the_key_is_made_once_and_published(settings):
    settings.NODE_ROLE = "regional"
    first = downlink.node_key()
    assert downlink.node_key() == first and NodeKey.objects.count() == 1
    response = APIClient().get(URL)
    assert response.status_code == 200
    published = {"key_id": first.key_id, "algorithm": "ed25519", "public_key": first.public_key}
    assert response.json() == {**published, "keys": [{**published, "retires_at": None}]}
    assert "private" not in response.content.decode()
    settings.NODE_ROLE = "industry"
    assert APIClient().get(URL).status_code == 404


@pytest.mark.django_db
def test_an_unreachable_peer_is_reported_as_such():
    from federation.models import Peer

    peer = Peer(prefix="CN.510000.C15", url="http://127.0.0.1:9")  # nothing listens on the discard port
    with pytest.raises(downlink.NodeUnreachable):
        downlink.downlink_request(peer=peer, method="POST", path="/api/v1/network/holds/", payload={})
