"""Live selection pages and reliability figures: a page filtered by ``min_reliability`` (or sorted by
reliability) watches its query on ``ws/select/``; when figures change, a resource that fell below the floor
leaves, one that rose above it enters, and the page is told to refresh (search.live). Rows already on the
page also get the figure in their ``ws/live/`` snapshot, so the page's own check marks them at once."""

from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.utils import timezone

from catalog.snapshots import RESOURCE, resource_snapshots
from changes.live import live_stop
from changes.services import changes_append
from monitoring.models import ResourceReliability
from portal.asgi import application
from search.backends import reset_backends
from tests.monitoring.metrics_helpers import a100_resource

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]
ORIGIN = [(b"origin", b"http://127.0.0.1")]


@pytest.fixture(autouse=True)
def _live(settings):
    from channels.layers import channel_layers

    settings.LIVE_POLL_SECONDS = 0.02
    channel_layers.backends.clear()
    reset_backends()
    yield
    channel_layers.backends.clear()
    reset_backends()


def _resources(figures: dict[str, str | None]) -> dict[str, int]:
    ids = {}
    for name, figure in figures.items():
        resource = a100_resource(external_id=name.upper())
        if figure is not None:
            ResourceReliability.objects.create(
                resource=resource, score_percent=Decimal(figure), basis="monitoring", computed_at=timezone.now()
            )
        ids[name] = resource.pk
    return ids


def _set_figures(figures: dict[int, str]) -> None:
    """What reliability_compute does: new figures and their change in the feed, in one transaction."""
    with transaction.atomic():
        for pk, figure in figures.items():
            ResourceReliability.objects.filter(resource_id=pk).update(score_percent=Decimal(figure))
        changes_append(record_type=RESOURCE, record_ids=sorted(figures), kind="reliability", fields=("reliability",))


def _status_change(pk: int) -> None:
    with transaction.atomic():
        changes_append(record_type=RESOURCE, record_ids=[pk], kind="status", fields=("state",))


async def _watch(query: str, ids: list[int]) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, "/ws/select/", headers=ORIGIN)
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_json_to({"query": query, "ids": ids})
    assert (await communicator.receive_json_from(timeout=15)) == {"type": "watching"}
    return communicator


async def test_falling_below_the_floor_leaves_and_rising_above_it_enters(client):
    ids = await sync_to_async(_resources)({"steady": "99.50", "rising": "95.00", "unknown": None})
    page = await sync_to_async(client.get)("/select/?min_reliability=99")
    html = page.content.decode()
    assert page.status_code == 200 and "data-sel-watch" in html and 'id="sel-ids"' in html
    watcher = await _watch("?min_reliability=99", [ids["steady"]])
    assert await watcher.receive_nothing(timeout=0.5)  # the page shows what its query gives: nothing to say

    await sync_to_async(_set_figures)({ids["steady"]: "90.00", ids["rising"]: "99.90"})

    message = await watcher.receive_json_from(timeout=15)
    assert message == {
        "type": "refresh",
        "reason": "reliability",
        "entered": [ids["rising"]],
        "left": [ids["steady"]],
        "reordered": False,
    }
    assert await watcher.receive_nothing(timeout=0.5)  # told once, not again at the next batch
    await watcher.disconnect()
    await live_stop()


async def test_a_sort_by_reliability_is_told_when_the_order_changes_and_other_changes_say_nothing():
    ids = await sync_to_async(_resources)({"first": "99.90", "second": "98.00"})
    watcher = await _watch("?sort=reliability", [ids["first"], ids["second"]])
    assert await watcher.receive_nothing(timeout=0.5)

    # a status change (not a reliability figure) does not re-run the query
    await sync_to_async(_status_change)(ids["first"])
    assert await watcher.receive_nothing(timeout=1)
    # a reliability change that keeps the order says nothing either
    await sync_to_async(_set_figures)({ids["second"]: "98.50"})
    assert await watcher.receive_nothing(timeout=1)

    await sync_to_async(_set_figures)({ids["second"]: "99.95"})
    message = await watcher.receive_json_from(timeout=15)
    assert message["type"] == "refresh" and message["reordered"] is True
    assert message["entered"] == [] and message["left"] == []
    await watcher.disconnect()
    await live_stop()


async def test_a_page_that_changed_before_it_subscribed_is_told_at_once():
    ids = await sync_to_async(_resources)({"gone": "99.50"})
    await sync_to_async(_set_figures)({ids["gone"]: "50.00"})
    communicator = WebsocketCommunicator(application, "/ws/select/", headers=ORIGIN)
    await communicator.connect()
    await communicator.send_json_to({"query": "min_reliability=99", "ids": [ids["gone"]]})
    assert (await communicator.receive_json_from(timeout=15))["type"] == "watching"
    message = await communicator.receive_json_from(timeout=15)
    assert message["type"] == "refresh" and message["left"] == [ids["gone"]]
    await communicator.disconnect()
    await live_stop()


async def test_bad_input_gets_field_errors_and_watches_nothing():
    from search.live import TOPIC

    # pages other tests left behind in this process (a browser test's live server) are not this page's
    watching_before = set(TOPIC.watchers)
    communicator = WebsocketCommunicator(application, "/ws/select/", headers=ORIGIN)
    await communicator.connect()
    await communicator.send_json_to({"query": "?q=A100", "ids": []})  # nothing depends on reliability
    reply = await communicator.receive_json_from(timeout=15)
    assert reply["type"] == "error" and "query" in reply["errors"]
    await communicator.send_json_to({"query": "?min_reliability=120", "ids": [1]})
    reply = await communicator.receive_json_from(timeout=15)
    assert reply["type"] == "error" and "min_reliability" in reply["errors"]
    await communicator.send_json_to({"query": "?min_reliability=99", "ids": ["1", True]})
    reply = await communicator.receive_json_from(timeout=15)
    assert reply["type"] == "error" and "ids" in reply["errors"]
    assert set(TOPIC.watchers) <= watching_before
    await communicator.disconnect()
    await live_stop()


async def test_a_resource_snapshot_carries_its_reliability_figure():
    ids = await sync_to_async(_resources)({"known": "99.25", "unknown": None})
    snapshots = await sync_to_async(resource_snapshots)(record_ids=list(ids.values()))
    assert snapshots[ids["known"]]["reliability_percent"] == "99.25"
    assert snapshots[ids["unknown"]]["reliability_percent"] is None
