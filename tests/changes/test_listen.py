"""PostgreSQL announces each committed append to the feed's readers (changes.listen): a commit wakes
the listener, a rolled-back or still-open write does not."""

import time

import pytest
from django.db import connection, transaction

from changes.listen import FeedSignal, feed_signal
from changes.services import change_append

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no notifications")


@pytest.fixture
def signal():
    signal = FeedSignal().start()
    assert signal.wait_connected(30)
    yield signal
    signal.stop()


def moved(signal: FeedSignal, heard: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not signal.moved_since(heard) and time.monotonic() < deadline:
        time.sleep(0.01)
    return signal.moved_since(heard)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_commit_is_announced_and_a_rolled_back_or_open_write_is_not(signal):
    heard = signal.heard()
    with pytest.raises(RuntimeError), transaction.atomic():
        change_append(record_type="resource", record_id=1, kind="status")
        raise RuntimeError("the writer fails")
    with transaction.atomic():
        change_append(record_type="resource", record_id=2, kind="status")
        assert not moved(signal, heard, seconds=0.5)  # neither the rollback nor the open write
    assert moved(signal, heard)
    assert signal.listening


@pytest.mark.django_db
def test_no_listener_on_sqlite_or_with_listening_off(settings):
    settings.CHANGES_LISTEN = False
    assert feed_signal() is None
    settings.CHANGES_LISTEN = True
    if connection.vendor == "sqlite":
        assert feed_signal() is None
