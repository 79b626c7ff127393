"""The change feed: appended inside the writer's transaction, read by cursor without skipping a
change that commits late with a lower sequence number (PostgreSQL), pruned behind every consumer."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from changes.models import Change, ConsumerCursor
from changes.selectors import FeedReader, changes_since, current_position
from changes.services import change_append, changes_append, cursor_commit, cursor_reset, feed_prune

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has one writer at a time: commit order is sequence order"
)


def append(record_id: int, kind: str = "status") -> None:
    with transaction.atomic():
        change_append(record_type="resource", record_id=record_id, kind=kind, snapshot={"id": record_id})


@pytest.mark.django_db
def test_a_rolled_back_write_leaves_no_change():
    with pytest.raises(RuntimeError), transaction.atomic():
        changes_append(record_type="resource", record_ids=[1, 2], kind="imported")
        raise RuntimeError("the writer fails")
    assert Change.objects.count() == 0


@pytest.mark.django_db
def test_a_reader_delivers_each_change_once_in_order():
    append(1)
    reader = FeedReader.from_now()
    append(2)
    append(3, "approved")
    rows = reader.read()
    assert [(row.record_id, row.kind) for row in rows] == [(2, "status"), (3, "approved")]
    assert reader.read() == []
    assert reader.position == current_position()


@pytest.mark.django_db
def test_a_durable_cursor_resumes_where_it_committed():
    append(1)
    assert changes_since(cursor="peer:national").rows == []  # created at the end of the feed
    append(2)
    append(3)
    batch = changes_since(cursor="peer:national")
    assert [row.record_id for row in batch.rows] == [2, 3]
    assert batch.rows[0].snapshot == {"id": 2}
    # the consumer went down before committing: the same changes come again
    assert [row.record_id for row in changes_since(cursor="peer:national").rows] == [2, 3]
    cursor_commit(name="peer:national", position=batch.position)
    append(4)
    assert [row.record_id for row in changes_since(cursor="peer:national").rows] == [4]


@pytest.mark.django_db
def test_prune_keeps_what_a_consumer_has_not_passed_and_the_catch_up_window():
    for pk in range(1, 6):
        append(pk)
    Change.objects.update(created_at=timezone.now() - timedelta(days=2))
    seqs = list(Change.objects.values_list("seq", flat=True))
    ConsumerCursor.objects.create(name="peer:slow", position=seqs[2])

    assert feed_prune() == 2  # the two changes before the slow peer's position
    assert list(Change.objects.values_list("seq", flat=True)) == seqs[2:]
    cursor_commit(name="peer:slow", position=seqs[4])
    assert feed_prune(window_seconds=3 * 24 * 3600) == 0  # younger than the window
    assert feed_prune() == 2
    assert list(Change.objects.values_list("seq", flat=True)) == seqs[4:]  # the newest always stays


@pytest.mark.django_db
def test_a_reader_the_feed_was_pruned_past_starts_over():
    append(1)
    reader = FeedReader.from_now()
    append(2)
    Change.objects.update(created_at=timezone.now() - timedelta(days=2))
    append(3)
    feed_prune()
    assert reader.read() is None


@pytest.mark.django_db
def test_the_command_prunes(capsys):
    from django.core.management import call_command

    append(1)
    append(2)
    Change.objects.update(created_at=timezone.now() - timedelta(days=2))
    call_command("feed_prune")
    assert "1 change(s) pruned" in capsys.readouterr().out


class Writer(threading.Thread):
    """Another connection that appends a change and keeps its transaction open until released."""

    def __init__(self, record_id: int, *, commit: bool = True):
        super().__init__()
        self.record_id, self.commit = record_id, commit
        self.appended, self.release = threading.Event(), threading.Event()

    def run(self):
        try:
            with transaction.atomic():
                change_append(record_type="resource", record_id=self.record_id, kind="status")
                self.appended.set()
                self.release.wait(30)
                if not self.commit:
                    transaction.set_rollback(True)
        finally:
            connection.close()


def overlapping(*, commit: bool):
    append(1)
    reader = FeedReader.from_now()
    changes_since(cursor="peer:x")
    late = Writer(2, commit=commit)
    late.start()
    assert late.appended.wait(30)
    append(3)  # takes a higher number and commits first

    assert [row.record_id for row in reader.read()] == [3]
    assert changes_since(cursor="peer:x").rows == []  # in order: waits for the gap below 3
    assert reader.read() == []
    assert reader.position < current_position()
    late.release.set()
    late.join(30)
    return reader


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_change_that_commits_late_with_a_lower_number_is_not_skipped():
    reader = overlapping(commit=True)
    assert [row.record_id for row in reader.read()] == [2]
    assert reader.read() == [] and reader.position == current_position()
    assert [row.record_id for row in changes_since(cursor="peer:x").rows] == [2, 3]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_reader_started_while_a_lower_number_is_still_open_waits_for_it():
    """A consumer (the selection index) starts its reader and loads the current state while a
    writer holds a lower number: that change commits afterwards and must still be delivered."""
    append(1)
    late = Writer(2)
    late.start()
    assert late.appended.wait(30)
    append(3)  # commits first, with the newest number
    reader = FeedReader.from_now()
    assert reader.read() == []  # 3 is in the consumer's load already; 2 has not committed
    late.release.set()
    late.join(30)
    assert [row.record_id for row in reader.read()] == [2]
    assert reader.read() == [] and reader.position == current_position()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_gap_of_a_rolled_back_writer_is_given_up_once_it_ended():
    reader = overlapping(commit=False)
    assert reader.read() == []
    # The gap is final once every transaction that was running when it was seen has ended; xids are
    # cluster-wide, so another session's open transaction (another xdist worker's test) delays that.
    deadline = time.monotonic() + 120
    while reader.position != current_position() and time.monotonic() < deadline:
        time.sleep(0.2)
        assert reader.read() == []
    assert reader.position == current_position()  # the gap is final: the position moves over it
    assert [row.record_id for row in changes_since(cursor="peer:x").rows] == [3]


@pytest.mark.django_db
def test_a_durable_cursor_filters_record_types_and_learns_when_the_feed_was_pruned_past_it():
    append(1)
    changes_since(cursor="peer:slow")
    with transaction.atomic():
        change_append(record_type="site", record_id=7, kind="described")
    append(2)
    batch = changes_since(cursor="peer:slow", record_types={"resource"})
    assert [row.record_id for row in batch.rows] == [2] and batch.position == current_position()

    cursor_commit(name="peer:slow", position=batch.position)
    Change.objects.update(created_at=timezone.now() - timedelta(days=2))
    append(3)
    assert feed_prune() == 2  # what the only cursor has passed (its own position stays)
    cursor_reset(name="peer:slow", position=1)  # a full resync asked from a position the feed no longer has
    assert changes_since(cursor="peer:slow").behind  # resync from the records themselves
