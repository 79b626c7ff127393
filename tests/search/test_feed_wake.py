"""On PostgreSQL an index reads the feed as soon as another process's commit is announced
(changes.listen), not at its next poll, and a change committed late under a higher number still
reaches it. (``DatabaseBackend()`` stands for another process's index: the writer's hooks never
reach it; a poll interval of ten minutes leaves the announcement as the only way in.)"""

import threading
import time
from decimal import Decimal

import numpy as np
import pytest
from django.db import connection, transaction

from catalog.services import record_update_status
from changes import listen
from search.backends import reset_backends
from search.backends.database import DatabaseBackend
from search.backends.database.backend import WAKE_SPACING_SECONDS
from search.query import ComputeQuery
from tests.search.catalog_data import build_catalogue

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no notifications: readers poll"),
    pytest.mark.django_db(transaction=True),
]
RARELY = 600.0


@pytest.fixture
def catalogue(settings):
    settings.CHANGES_LISTEN = True
    reset_backends()
    yield build_catalogue()
    listen._signal.stop()
    reset_backends()


def price(backend, resource) -> str:
    backend.search(ComputeQuery())
    index = backend._index
    return index.documents(index._positions(np.array([resource.pk], dtype=np.int64)))[0]["price_yuan"]


def announced(backend, heard: int) -> bool:
    deadline = time.monotonic() + 10
    while not backend._signal.moved_since(heard) and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(WAKE_SPACING_SECONDS)  # (announced commits are read at most this often)
    return backend._signal.moved_since(heard)


def hold_status_change(resource, value: str, *, appended: threading.Event, release: threading.Event) -> None:
    """Another connection: a status change in a transaction that commits late."""
    try:
        with transaction.atomic():
            record_update_status(record=resource, changes={"price_yuan": Decimal(value)})
            appended.set()
            release.wait(30)
    finally:
        connection.close()


def test_an_index_that_polls_rarely_reads_another_process_commit_when_it_is_announced(catalogue):
    resource = catalogue.resources["r1"]
    woken = DatabaseBackend(freshness_interval=RARELY)
    polling = DatabaseBackend(freshness_interval=RARELY, listen=False)
    assert price(woken, resource) == price(polling, resource) == "12.00"
    assert woken._signal.wait_connected(30) and polling._signal is None
    heard = woken._signal.heard()

    record_update_status(record=resource, changes={"price_yuan": Decimal("77.00")})

    assert announced(woken, heard)
    assert price(woken, resource) == "77.00"
    assert price(polling, resource) == "12.00"  # its next poll is ten minutes away


def test_a_change_committed_late_with_a_lower_number_reaches_a_woken_index(catalogue):
    late, early = catalogue.resources["r1"], catalogue.resources["r2"]
    woken = DatabaseBackend(freshness_interval=RARELY)
    price(woken, late)
    assert woken._signal.wait_connected(30)
    appended, release = threading.Event(), threading.Event()
    writer = threading.Thread(
        target=hold_status_change, args=(late, "66.00"), kwargs={"appended": appended, "release": release}
    )
    writer.start()
    try:
        assert appended.wait(30)
        heard = woken._signal.heard()
        record_update_status(record=early, changes={"price_yuan": Decimal("55.00")})  # a higher number, first
        assert announced(woken, heard)
        assert (price(woken, early), price(woken, late)) == ("55.00", "12.00")
        heard = woken._signal.heard()
    finally:
        release.set()
        writer.join(30)
    assert announced(woken, heard)
    assert price(woken, late) == "66.00"  # the gap below 55's number is read, not skipped
