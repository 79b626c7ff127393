"""The channel layer and the websocket path work with whichever layer the settings choose
(in-memory by default; real Redis in CI when REDIS_URL is set)."""

import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings

from portal.asgi import application


@pytest.mark.asyncio
async def test_channel_layer_round_trip():
    layer = get_channel_layer()
    expected = "channels_redis.core.RedisChannelLayer" if settings.REDIS_URL else "channels.layers.InMemoryChannelLayer"
    assert f"{type(layer).__module__}.{type(layer).__name__}" == expected
    channel = await layer.new_channel()
    await layer.group_add("resource-1", channel)
    await layer.group_send("resource-1", {"type": "resource.changed", "price": "12.50"})
    assert await layer.receive(channel) == {"type": "resource.changed", "price": "12.50"}
    await layer.group_discard("resource-1", channel)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_websocket_ping_through_the_asgi_application():
    communicator = WebsocketCommunicator(application, "/ws/ping/", headers=[(b"origin", b"http://127.0.0.1")])
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_json_to({"ping": 7})
    assert await communicator.receive_json_from() == {"pong": 7, "node_role": "regional"}
    await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_websocket_from_a_foreign_origin_is_refused():
    communicator = WebsocketCommunicator(application, "/ws/ping/", headers=[(b"origin", b"https://evil.example")])
    connected, _ = await communicator.connect()
    assert not connected


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/ws/ping/", "/ws/live/"])
async def test_deeply_nested_or_broken_json_messages_get_an_error_and_the_socket_lives_on(path):
    communicator = WebsocketCommunicator(application, path, headers=[(b"origin", b"http://127.0.0.1")])
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_to(text_data="[" * 5000 + "]" * 5000)
    reply = await communicator.receive_json_from()
    assert reply["type"] == "error" and "嵌套层数过多" in reply["errors"]["__all__"][0]
    await communicator.send_to(text_data="{not json")
    assert "不是有效的 JSON" in (await communicator.receive_json_from())["errors"]["__all__"][0]
    await communicator.disconnect()
