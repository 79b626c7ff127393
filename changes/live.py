"""The websocket fan-out of the change feed: one task per ASGI process (per event loop) reads the
feed and pushes what its sockets subscribed to. One drain for everything live: catalogue records
(``resource:12`` keys, changes.consumers.LiveConsumer) and the topics apps register (the monitoring tiles).

It starts with the first socket and stops after ``LIVE_IDLE_SECONDS`` without one, unless the
process follows the feed for good (``live_follow``: the page cache drops entries from it). Changes
appended in this process wake it at once (changes.services, after commit); changes committed by
any other process (imports, commands, the worker, another web process) are read at the next poll
(``LIVE_POLL_SECONDS``, default 25 ms: one indexed query) while a socket is open in this process,
and every ``LIVE_IDLE_POLL_SECONDS`` (default 100 ms) while none is (nobody waits for a push then;
each poll is a thread hop and a database connection: 40 polls a second cost a worker about a tenth
of a core). It reads with a ``FeedReader``, so a
change that commits late with a lower number is still delivered (changes.selectors).

With the in-memory channel layer it hands snapshots to this process's sockets directly (that
layer reaches only this process, and its receive() scans every group per message). With any
other layer (channels_redis) it publishes through the groups ``live.<type>.<id>``; every
process's drain reads every change and the first to claim a change in the shared cache publishes
it. It never writes to the database.
"""

import asyncio
import contextlib
import logging
import time
import weakref

from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.core.cache import cache

from .registry import live_topics, snapshot_builders, snapshots_build
from .selectors import FeedReader, FeedRow

logger = logging.getLogger(__name__)

BATCH = 1000
CLAIM_SECONDS = 600


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def key_for(record_type: str, record_id: int) -> str:
    return f"{record_type}:{record_id}"


def group_for(key: str) -> str:
    """The channel-layer group of a subscription key ("resource:12" -> "live.resource.12")."""
    return "live." + key.replace(":", ".")


def with_snapshots(rows: list[FeedRow]) -> list[FeedRow]:
    """The rows with a snapshot each: the stored one, or the record's current one (bulk imports
    append ids only), built once per record type for the whole batch."""
    missing: dict[str, list[int]] = {}
    for row in rows:
        if row.snapshot is None:
            missing.setdefault(row.record_type, []).append(row.record_id)
    built = {
        record_type: snapshots_build(record_type=record_type, record_ids=ids) for record_type, ids in missing.items()
    }
    return [
        row if row.snapshot is not None else row._replace(snapshot=built[row.record_type].get(row.record_id))
        for row in rows
        if row.snapshot is not None or built[row.record_type].get(row.record_id) is not None
    ]


class Fanout:
    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.layer = get_channel_layer()
        self.local_only = isinstance(self.layer, InMemoryChannelLayer)
        self.local: dict[str, set] = {}  # record key -> sockets of this process
        self.topics = live_topics()
        self.record_types = frozenset(snapshot_builders())  # the records sockets subscribe to
        self.states: dict[str, object] = {}  # per topic: its sockets in this process
        self.wake = asyncio.Event()
        self.ready = asyncio.Event()  # set once the reader knows where it starts
        self.reader: FeedReader | None = None
        self.clients = 0
        self.followed = False  # the process follows the feed for good (live_follow): never stop
        self.idle_since: float | None = None
        self.published = 0
        self.task: asyncio.Task | None = None
        self.read = database_sync_to_async(self._read)  # made once: a SyncToAsync costs to build

    def _read(self) -> list[FeedRow] | None:
        return self.reader.read(limit=BATCH)

    def start(self) -> None:
        self.task = self.loop.create_task(self.run(), name="changes.live.fanout")

    @property
    def position(self) -> int:
        return self.reader.position if self.reader is not None else 0

    async def run(self) -> None:
        poll = _setting("LIVE_POLL_SECONDS", 0.025)
        idle_poll = max(poll, _setting("LIVE_IDLE_POLL_SECONDS", 0.1))
        idle = _setting("LIVE_IDLE_SECONDS", 60)
        while True:
            try:
                if self.reader is None:
                    self.reader = await database_sync_to_async(FeedReader.from_now)(snapshots=True)
                    self.ready.set()
                await self.step()
                for topic in self.topics.values():
                    await topic.tick(self)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("live: fan-out step failed; retrying")
                await asyncio.sleep(1)
            if self.clients <= 0 and not self.followed:
                self.idle_since = self.idle_since or time.monotonic()
                if time.monotonic() - self.idle_since >= idle:
                    return
            else:
                self.idle_since = None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=poll if self.clients > 0 else idle_poll)
            self.wake.clear()

    async def step(self) -> int:
        """Read the new changes and push them; returns how many were read."""
        rows = await self.read()
        if rows is None:  # the feed was pruned past this process (it slept a day): start again from now
            self.reader = await database_sync_to_async(FeedReader.from_now)(snapshots=True)
            return 0
        if not rows:
            return 0
        if self.local_only:  # only what this process's sockets subscribed to
            wanted = [row for row in rows if key_for(row.record_type, row.record_id) in self.local]
        else:  # every process's sockets may want a record: whichever process claims its change publishes it
            records = [row for row in rows if row.record_type in self.record_types]
            wanted = [row for row in records if await self.claim(f"changes.live.claim.{row.seq}")]
        if wanted:
            wanted = await database_sync_to_async(with_snapshots)(wanted)
        for row in wanted:
            key = key_for(row.record_type, row.record_id)
            if self.local_only:
                encoded: dict[str, str] = {}  # the message text per language, encoded once
                for consumer in list(self.local.get(key, ())):
                    try:
                        await consumer.push(row.seq, key, row.snapshot, encoded)
                    except Exception:  # a socket closing meanwhile: its disconnect cleans up
                        logger.debug("live: push to a closing consumer failed", exc_info=True)
            else:
                await self.layer.group_send(
                    group_for(key), {"type": "live.snapshot", "seq": row.seq, "key": key, "record": row.snapshot}
                )
            self.published += 1
        for topic in self.topics.values():
            await topic.changed(self, rows)
        return len(rows)

    def subscribe(self, key: str, consumer) -> None:
        self.local.setdefault(key, set()).add(consumer)

    def unsubscribe(self, key: str, consumer) -> None:
        consumers = self.local.get(key)
        if consumers is not None:
            consumers.discard(consumer)
            if not consumers:
                del self.local[key]

    async def claim(self, key: str, timeout: int = CLAIM_SECONDS) -> bool:
        """Whether this process publishes ``key`` to the groups (the first to claim it)."""
        try:
            return await cache.aadd(key, 1, timeout=timeout)
        except Exception:  # the cache is down: publishing twice is better than not at all
            logger.warning("live: cache unavailable for claim of %s", key, exc_info=True)
            return True


_fanouts: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Fanout] = weakref.WeakKeyDictionary()


def _running() -> Fanout:
    """This loop's fan-out, started (again) if it is not running."""
    loop = asyncio.get_running_loop()
    fanout = _fanouts.get(loop)
    if fanout is None or fanout.task is None or fanout.task.done():
        followed = fanout is not None and fanout.followed
        fanout = _fanouts[loop] = Fanout(loop)
        fanout.followed = followed
        fanout.start()
    return fanout


def live_attach() -> Fanout:
    """A socket connected: make sure this loop's fan-out runs, and count the socket."""
    fanout = _running()
    fanout.clients += 1
    return fanout


def live_follow() -> Fanout:
    """Keep this loop's fan-out reading the feed for good, for its topics (no socket counted)."""
    fanout = _running()
    fanout.followed = True
    return fanout


def live_following() -> bool:
    """Whether a running event loop of this process follows the feed for good (``live_follow``)."""
    try:
        fanouts = list(_fanouts.values())
    except RuntimeError:  # changed while copied
        return False
    return any(
        fanout.followed and fanout.task is not None and not fanout.task.done() and fanout.loop.is_running()
        for fanout in fanouts
    )


def live_detach(fanout: Fanout) -> None:
    fanout.clients -= 1


def live_wake() -> None:
    """Called (from any thread) after this process appended changes: read the feed now."""
    try:
        fanouts = list(_fanouts.items())
    except RuntimeError:  # changed while copied (another loop started its fan-out): nothing to wake there
        return
    for loop, fanout in fanouts:
        try:
            loop.call_soon_threadsafe(fanout.wake.set)
        except RuntimeError:  # the loop is closed
            _fanouts.pop(loop, None)


async def live_stop() -> None:
    """Stop the fan-out of the running loop (tests, shutdown)."""
    fanout = _fanouts.pop(asyncio.get_running_loop(), None)
    if fanout and fanout.task and not fanout.task.done():
        fanout.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await fanout.task
