"""Live updates: a committed catalogue change reaches subscribed websockets through the change feed,
whichever process made it; reconnecting clients catch up with ``since``. Browser-free
(channels' WebsocketCommunicator); runs on the in-memory layer and on Redis (REDIS_URL)."""

import asyncio
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.management import call_command
from django.db import transaction
from django.utils import translation
from rest_framework.test import APIClient

from catalog import services
from catalog.models import ComputeResource, RecordState
from changes.live import live_stop
from changes.models import Change
from changes.selectors import current_position
from changes.services import feed_prune
from portal.asgi import application
from tests.catalog.factories import ComputeResourceFactory, ensure_reference_data

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

ORIGIN = [(b"origin", b"http://127.0.0.1")]


@pytest.fixture(autouse=True)
def _live(settings):
    """Every test gets a fresh channel layer: the in-memory layer's queues belong to the previous test's loop."""
    from channels.layers import channel_layers

    settings.LIVE_POLL_SECONDS = 0.02
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def make_resource(**fields) -> ComputeResource:
    ensure_reference_data()
    return ComputeResourceFactory(**fields)


def provider_client(resource: ComputeResource) -> APIClient:
    from tests.factories import UserFactory

    user = UserFactory(roles=["provider"], organization=resource.provider.organization)
    _, raw_key = services.api_key_create(provider=resource.provider, name="live-test", actor=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    return client


async def connect(**subscribe) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, "/ws/live/", headers=ORIGIN)
    connected, _ = await communicator.connect()
    assert connected
    if subscribe:
        await communicator.send_json_to(subscribe)
        reply = await communicator.receive_json_from(timeout=15)
        assert reply["type"] == "subscribed", reply
    return communicator


async def next_snapshot(communicator: WebsocketCommunicator, timeout: float = 15) -> dict:
    message = await communicator.receive_json_from(timeout=timeout)
    assert message["type"] == "snapshot", message
    return message


async def close(*communicators: WebsocketCommunicator) -> None:
    for communicator in communicators:
        await communicator.disconnect()
    await live_stop()


async def test_status_patch_through_the_provider_api_reaches_a_subscribed_socket():
    resource = await sync_to_async(make_resource)(available_units=16, price_yuan=Decimal("12.00"))
    client = await sync_to_async(provider_client)(resource)
    key = f"resource:{resource.pk}"
    watcher = await connect(subscribe=[key], since=None)
    bystander = await connect(subscribe=["resource:999999"], since=None)

    response = await sync_to_async(client.patch)(
        f"/api/v1/provider/resources/{resource.external_id}/status/",
        {"available_units": 3, "price_yuan": "9.50", "state": "maintenance"},
        format="json",
    )
    assert response.status_code == 200, response.content

    message = await next_snapshot(watcher)
    assert message["key"] == key and message["seq"] == await sync_to_async(current_position)()
    record = message["record"]
    assert (record["available_units"], record["price_yuan"], record["state"]) == (3, "9.50", "maintenance")
    assert record["state_label"] == "维护中" and record["public"] is True and record["version"] == 2
    assert "labels" not in record
    assert await bystander.receive_nothing(timeout=0.3)
    await close(watcher, bystander)


async def test_a_change_made_by_a_management_command_reaches_the_socket_by_polling(monkeypatch):
    """The command runs on another thread and database connection, and the in-process wake-up is
    switched off: only the fan-out's polling of the feed can deliver it, as for another process."""
    monkeypatch.setattr("changes.live.live_wake", lambda: None)
    resource = await sync_to_async(make_resource)(available_units=16)
    watcher = await connect(subscribe=[f"resource:{resource.pk}"], since=None, lang="en")
    script = (
        "from catalog.models import ComputeResource; from catalog.services import record_update_status; "
        f"record_update_status(record=ComputeResource.objects.get(pk={resource.pk}), "
        "changes={'available_units': 0, 'state': 'offline'}, source='import')"
    )
    await sync_to_async(call_command, thread_sensitive=False)("shell", command=script)

    record = (await next_snapshot(watcher))["record"]
    with translation.override("en"):
        offline = str(RecordState.OFFLINE.label)
    assert (record["available_units"], record["state"], record["state_label"]) == (0, "offline", offline)
    assert await sync_to_async(Change.objects.filter(record_id=resource.pk, kind="status").count)() == 1
    await close(watcher)


async def test_a_reconnecting_client_catches_up_with_the_newest_snapshot_only():
    resource = await sync_to_async(make_resource)(available_units=16)
    other = await sync_to_async(make_resource)(available_units=5)
    since = await sync_to_async(current_position)()

    def change(record, units):
        services.record_update_status(record=record, changes={"available_units": units})

    for units in (10, 7):  # while the page was disconnected
        await sync_to_async(change)(resource, units)
    await sync_to_async(change)(other, 1)

    watcher = await connect()
    await watcher.send_json_to({"subscribe": [f"resource:{resource.pk}"], "since": since})
    assert (await watcher.receive_json_from(timeout=15))["type"] == "subscribed"
    caught_up = await next_snapshot(watcher)
    newest = await sync_to_async(
        Change.objects.filter(record_id=resource.pk).order_by("-seq").values_list("seq", flat=True).first
    )()
    # Sequence numbers are not consecutive on PostgreSQL (a rolled-back or truncated table keeps its
    # sequence), so the catch-up is checked against the row itself, not against since + 2.
    assert caught_up["record"]["available_units"] == 7 and caught_up["seq"] == newest > since
    assert await watcher.receive_nothing(timeout=0.3)  # not the older one, not the other resource

    # then live again, without duplicates
    await sync_to_async(change)(resource, 4)
    assert (await next_snapshot(watcher))["record"]["available_units"] == 4
    assert await watcher.receive_nothing(timeout=0.3)
    await close(watcher)


async def test_catch_up_beyond_the_retention_sends_a_fresh_snapshot():
    resource = await sync_to_async(make_resource)(available_units=16)
    for units in (10, 9, 8):
        await sync_to_async(services.record_update_status)(record=resource, changes={"available_units": units})
    assert await sync_to_async(feed_prune)(window_seconds=0) >= 2  # the newest change stays
    watcher = await connect(subscribe=[f"resource:{resource.pk}"], since=0)
    message = await next_snapshot(watcher)
    assert message["record"]["available_units"] == 8 and message["seq"] == await sync_to_async(current_position)()
    await close(watcher)


async def test_a_delisted_resource_is_sent_without_its_commercial_details():
    resource = await sync_to_async(make_resource)(available_units=16)
    watcher = await connect(subscribe=[f"resource:{resource.pk}"], since=None)
    await sync_to_async(services.record_delist)(record=resource, actor=None)
    record = (await next_snapshot(watcher))["record"]
    assert record["public"] is False and record["listing_state"] == "delisted"
    assert "price_yuan" not in record and "available_units" not in record
    await close(watcher)


async def test_a_bulk_import_batch_appends_one_change_per_record_and_reaches_every_subscriber():
    first = await sync_to_async(make_resource)(available_units=1)
    second = await sync_to_async(make_resource)(available_units=2)
    watchers = [await connect(subscribe=[f"resource:{first.pk}", f"resource:{second.pk}"], since=None)]
    watchers.append(await connect(subscribe=[f"resource:{second.pk}"], since=None))

    @transaction.atomic
    def bulk():
        ComputeResource.objects.filter(pk__in=[first.pk, second.pk]).update(available_units=50)
        services.records_changed_append(model=ComputeResource, record_ids=[first.pk, second.pk], change="imported")

    await sync_to_async(bulk)()
    both = {(await next_snapshot(watchers[0]))["key"] for _ in range(2)}
    assert both == {f"resource:{first.pk}", f"resource:{second.pk}"}
    only = await next_snapshot(watchers[1])
    assert only["key"] == f"resource:{second.pk}" and only["record"]["available_units"] == 50
    assert await sync_to_async(Change.objects.filter(kind="imported").count)() == 2
    await close(*watchers)


async def test_only_record_types_registered_with_the_feed_can_be_subscribed():
    watcher = await connect()
    await watcher.send_json_to({"subscribe": ["node:1"]})
    reply = await watcher.receive_json_from(timeout=15)
    assert reply["type"] == "error" and set(reply["errors"]) == {"subscribe"}
    await watcher.send_json_to({"subscribe": ["line:1", "app_service:2"]})
    assert (await watcher.receive_json_from(timeout=15))["keys"] == ["app_service:2", "line:1"]
    await close(watcher)


async def test_live_sockets_count_in_the_websocket_gauge():
    from monitoring.metrics.prom import WEBSOCKET_CONNECTIONS

    before = WEBSOCKET_CONNECTIONS._value.get()
    watchers = [await connect(), await connect()]
    assert WEBSOCKET_CONNECTIONS._value.get() == before + 2
    await close(*watchers)
    assert WEBSOCKET_CONNECTIONS._value.get() == before


async def test_bad_subscriptions_get_field_errors_and_subscribe_nothing():
    resource = await sync_to_async(make_resource)()
    watcher = await connect()
    await watcher.send_json_to({"subscribe": ["resource:abc", "node:1"], "since": -1, "lang": "fr"})
    reply = await watcher.receive_json_from(timeout=15)
    assert reply["type"] == "error" and set(reply["errors"]) == {"subscribe", "since", "lang"}
    await watcher.send_json_to({"subscribe": [f"resource:{resource.pk}"] * 2, "since": None})
    assert (await watcher.receive_json_from(timeout=15))["keys"] == [f"resource:{resource.pk}"]
    await watcher.send_json_to({"unsubscribe": [f"resource:{resource.pk}"]})
    assert (await watcher.receive_json_from(timeout=15))["keys"] == []
    await sync_to_async(services.record_update_status)(record=resource, changes={"available_units": 1})
    assert await watcher.receive_nothing(timeout=0.3)
    await close(watcher)


async def test_consumers_never_write_and_many_clients_get_one_change_each():
    resource = await sync_to_async(make_resource)(available_units=16)
    watchers = [await connect(subscribe=[f"resource:{resource.pk}"], since=None) for _ in range(20)]
    rows_before = await sync_to_async(Change.objects.count)()
    await asyncio.sleep(0.1)
    assert await sync_to_async(Change.objects.count)() == rows_before  # connecting wrote nothing
    await sync_to_async(services.record_update_status)(record=resource, changes={"price_yuan": Decimal("8.8")})
    prices = [(await next_snapshot(watcher))["record"]["price_yuan"] for watcher in watchers]
    assert prices == ["8.80"] * 20
    for watcher in watchers:
        assert await watcher.receive_nothing(timeout=0.05)
    await close(*watchers)
