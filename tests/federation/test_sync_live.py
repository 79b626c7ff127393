"""Records synced from an industry node reach the regional node's ws/live/ sockets (keys ``synced:<pk>``):
a status change the industry node syncs is pushed to a subscribed socket, a removal arrives as not public,
and an unknown record type is still refused. Browser-free (channels' WebsocketCommunicator)."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from changes.live import live_stop
from federation.models import SyncedRecord
from portal.asgi import application
from tests.federation.signed import enrol
from tests.federation.test_sync_receive import SYNC_URL, item

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]
ORIGIN = [(b"origin", b"http://127.0.0.1")]


@pytest.fixture(autouse=True)
def _live(settings):
    from channels.layers import channel_layers

    settings.LIVE_POLL_SECONDS = 0.02
    settings.NODE_ROLE = "regional"
    settings.NODE_IDENTIFIER_PREFIX = "CN.510000"
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def send(node, records, key):
    response = node.post(Client(), SYNC_URL, {"records": records}, key=key)
    assert response.status_code == 200, response.content
    return response.json()


async def subscribed(key: str) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, "/ws/live/", headers=ORIGIN)
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_json_to({"subscribe": [key], "lang": "en"})
    reply = await communicator.receive_json_from(timeout=15)
    assert reply["type"] == "subscribed", reply
    return communicator


async def test_a_synced_status_change_reaches_a_socket_on_the_regional_node():
    industry = await sync_to_async(enrol)(segment="C15", name="酒业行业节点")
    await sync_to_async(send)(industry, [item(serial=1, position=10, state="online", available_units=5)], "b1")
    record = await sync_to_async(SyncedRecord.objects.get)()
    communicator = await subscribed(f"synced:{record.pk}")
    try:
        changed = item(
            serial=1, position=11, state="maintenance", state_label="维护中", available_units=0, price_yuan="8.50"
        )
        await sync_to_async(send)(industry, [changed], "b2")
        message = await communicator.receive_json_from(timeout=15)
        assert message["type"] == "snapshot" and message["key"] == f"synced:{record.pk}"
        pushed = message["record"]
        assert (pushed["state"], pushed["available_units"], pushed["price_yuan"]) == ("maintenance", 0, "8.50")
        assert pushed["state_label"] == "Under maintenance"  # the socket's language, not the owning node's
        assert (pushed["identifier"], pushed["source_prefix"], pushed["public"]) == (
            record.identifier,
            "CN.510000.C15",
            True,
        )
        await sync_to_async(send)(industry, [item(serial=1, position=12, removed=True)], "b3")
        removed = await communicator.receive_json_from(timeout=15)
        assert removed["record"] == {"id": record.pk, "public": False}
        await sync_to_async(send)(industry, [item(serial=1, position=12, removed=True)], "b3-again")
        assert await communicator.receive_nothing(timeout=0.5)  # a repeat appends nothing: no duplicate push
    finally:
        await communicator.disconnect()
        await live_stop()


async def test_keys_of_unknown_record_types_are_still_refused():
    communicator = WebsocketCommunicator(application, "/ws/live/", headers=ORIGIN)
    await communicator.connect()
    try:
        await communicator.send_json_to({"subscribe": ["syncedx:1"]})
        reply = await communicator.receive_json_from(timeout=15)
        assert reply["type"] == "error" and "subscribe" in reply["errors"]
    finally:
        await communicator.disconnect()
        await live_stop()
