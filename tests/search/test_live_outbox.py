"""The drain's handling of outbox sequence gaps: a gap of a transaction still running (a large import
writing its outbox rows) is waited for however long it runs (PostgreSQL), a rolled-back one is given up."""

import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, transaction

from search.live import current_seq
from search.live.drain import Drain
from search.models import LiveChange

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has one writer at a time: its sequence has no gaps"
)


class Rollback(Exception):
    pass


def hold_a_transaction(*, commit: bool, inserted: threading.Event, release: threading.Event, seqs: list):
    """Another connection: an outbox row written inside a transaction that stays open until released."""
    try:
        with transaction.atomic():
            row = LiveChange.objects.create(key="resource:1", record_type="resource", record_id=1, change="status")
            seqs.append(row.seq)
            inserted.set()
            release.wait(30)
            if not commit:
                raise Rollback
    except Rollback:
        pass
    finally:
        connection.close()


async def a_gap_then(*, commit: bool, settings) -> tuple[Drain, int, int]:
    settings.LIVE_GAP_SECONDS = 0
    drain = Drain(asyncio.get_running_loop())
    drain.watermark = await sync_to_async(current_seq)()
    inserted, release, seqs = threading.Event(), threading.Event(), []
    other = threading.Thread(
        target=hold_a_transaction, kwargs={"commit": commit, "inserted": inserted, "release": release, "seqs": seqs}
    )
    other.start()
    await asyncio.to_thread(inserted.wait, 30)
    later = await sync_to_async(LiveChange.objects.create)(
        key="resource:2", record_type="resource", record_id=2, change="status"
    )
    for _ in range(3):
        await drain.step(drain.layer)
    held = seqs[0]
    assert held < later.seq and later.seq in drain.done_above
    assert drain.watermark < held  # the open transaction may still commit its row: not given up

    release.set()
    await asyncio.to_thread(other.join, 30)
    await drain.step(drain.layer)
    await drain.step(drain.layer)
    return drain, held, later.seq


@postgresql_only
@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_gap_of_a_long_transaction_is_published_when_it_commits(settings):
    drain, held, later = await a_gap_then(commit=True, settings=settings)

    assert drain.watermark == later and drain.published == 2  # both rows, the held one late


@postgresql_only
@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_gap_of_a_rolled_back_transaction_is_given_up_once_it_ended(settings):
    drain, held, later = await a_gap_then(commit=False, settings=settings)

    assert drain.watermark == later and drain.published == 1


@pytest.mark.asyncio
async def test_without_transaction_ids_a_gap_is_given_up_after_the_gap_seconds(settings):
    settings.LIVE_GAP_SECONDS = 0
    drain = Drain(asyncio.get_running_loop())
    drain.watermark, drain.done_above = 10, {12, 13}

    drain.advance()
    assert drain.watermark == 10  # seen now; the transaction ids are asked for next
    drain.gap_horizon = 0  # SQLite: nothing to wait for
    drain.advance()
    assert drain.watermark == 13 and not drain.done_above

    drain.done_above, drain.gap_horizon = {15}, None
    drain.advance()
    drain.gap_horizon = 500  # PostgreSQL: transactions before id 500 may still hold seq 14
    drain.advance(oldest_running=499)
    assert drain.watermark == 13
    drain.advance(oldest_running=500)
    assert drain.watermark == 15
