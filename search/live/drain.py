"""The drain: one asyncio task per ASGI process (per event loop) that polls the outbox and pushes
new snapshots to the subscribed consumers: directly to this process's consumers with the in-memory
layer, through the channel-layer groups ``live.<type>.<id>`` with channels_redis.

It starts with the first websocket connection and stops after ``LIVE_IDLE_SECONDS`` without one.
Changes made in this process wake it at once; changes made elsewhere (management commands,
imports, another worker) are seen at the next poll (``LIVE_POLL_SECONDS``, default 25 ms: one
indexed query, about 40 a second per process).

With several ASGI processes on one Redis channel layer every drain sees every row; each row is
published once, by whichever process claims it first in the shared cache (``cache.add``). With
the in-memory layer every process delivers to its own consumers.
Sequence gaps (PostgreSQL: a transaction that took a number commits later, or never) are waited
for at least ``LIVE_GAP_SECONDS``, and on PostgreSQL also until every transaction that was running
when the gap was seen has ended (the snapshot's xmin has passed the xmax noted then): a long
transaction (a large import writing its outbox rows) is waited for however long it takes, a rolled
back one is given up. Rows above a gap are published meanwhile; only the watermark waits. The
drain also prunes the outbox (``live_changes_prune``) every ``LIVE_PRUNE_SECONDS``.
"""

import asyncio
import contextlib
import logging
import time

from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.core.cache import cache

from portal.loop_workers import LoopWorkers

from . import outbox
from .snapshots import group_for

logger = logging.getLogger(__name__)

BATCH = 1000
CLAIM_SECONDS = 600


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


class Drain:
    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.layer = get_channel_layer()
        # The in-memory layer reaches only this process's consumers anyway, and its receive() scans
        # every channel and group membership per message (quadratic with 1,000 clients): the drain
        # hands snapshots to this process's consumers directly. Any other layer (channels_redis)
        # carries them through groups, so that every process's consumers get what one drain published.
        self.local_only = isinstance(self.layer, InMemoryChannelLayer)
        self.local: dict[str, set] = {}  # key -> consumers of this process
        self.wake = asyncio.Event()
        self.ready = asyncio.Event()  # set once the watermark is known
        self.clients = 0
        self.idle_since: float | None = None
        self.watermark: int | None = None  # every seq <= watermark is done
        self.done_above: set[int] = set()  # published seqs above the watermark
        self.gap_since: float | None = None
        # PostgreSQL: the next transaction id when the current gap was seen (0: nothing to wait for)
        self.gap_horizon: int | None = None
        self.published = 0
        self.task: asyncio.Task | None = None

    def start(self) -> None:
        self.task = self.loop.create_task(self.run(), name="search.live.drain")

    async def run(self) -> None:
        poll = _setting("LIVE_POLL_SECONDS", 0.025)
        prune_every = _setting("LIVE_PRUNE_SECONDS", 60)
        idle = _setting("LIVE_IDLE_SECONDS", 60)
        layer = self.layer
        next_prune = time.monotonic() + prune_every
        while True:
            try:
                if self.watermark is None:
                    self.watermark = await database_sync_to_async(outbox.current_seq)()
                    self.ready.set()
                await self.step(layer)
                if time.monotonic() >= next_prune:
                    next_prune = time.monotonic() + prune_every
                    await database_sync_to_async(outbox.live_changes_prune)()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("live: drain step failed; retrying")
                await asyncio.sleep(1)
            if self.clients <= 0:
                self.idle_since = self.idle_since or time.monotonic()
                if time.monotonic() - self.idle_since >= idle:
                    return
            else:
                self.idle_since = None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=poll)
            self.wake.clear()

    async def step(self, layer) -> int:
        """Publish the rows not yet published; returns how many were read."""
        high = max(self.done_above, default=self.watermark)
        rows = await database_sync_to_async(outbox.changes_after)(seq=high, limit=BATCH)
        missing = [seq for seq in range(self.watermark + 1, high) if seq not in self.done_above][:BATCH]
        if missing:
            rows = await database_sync_to_async(outbox.changes_among)(seqs=missing) + rows
        for seq, key, snapshot in rows:
            if self.local_only:
                encoded: dict[str, str] = {}  # the message text per language, encoded once
                for consumer in list(self.local.get(key, ())):
                    try:
                        await consumer.push(seq, key, snapshot, encoded)
                    except Exception:  # a socket closing meanwhile: its disconnect cleans up
                        logger.debug("live: push to a closing consumer failed", exc_info=True)
                self.published += 1
            elif await self.claim(seq):
                await layer.group_send(
                    group_for(key), {"type": "live.snapshot", "seq": seq, "key": key, "record": snapshot}
                )
                self.published += 1
            self.done_above.add(seq)
        oldest_running = None
        if self.gap_horizon and time.monotonic() - self.gap_since >= _setting("LIVE_GAP_SECONDS", 5):
            oldest_running = (await database_sync_to_async(outbox.transaction_ids)())[0]
        self.advance(oldest_running=oldest_running)
        if self.gap_since is not None and self.gap_horizon is None:
            ids = await database_sync_to_async(outbox.transaction_ids)()
            self.gap_horizon = ids[1] if ids else 0
        return len(rows)

    def subscribe(self, key: str, consumer) -> None:
        self.local.setdefault(key, set()).add(consumer)

    def unsubscribe(self, key: str, consumer) -> None:
        consumers = self.local.get(key)
        if consumers is not None:
            consumers.discard(consumer)
            if not consumers:
                del self.local[key]

    async def claim(self, seq: int) -> bool:
        try:
            return await cache.aadd(f"search.live.claim.{seq}", 1, timeout=CLAIM_SECONDS)
        except Exception:  # the cache is down: publishing twice is better than not at all
            logger.warning("live: cache unavailable for claim of %s", seq, exc_info=True)
            return True

    def advance(self, *, oldest_running: int | None = None) -> None:
        """Move the watermark over the published seqs; give a gap up after LIVE_GAP_SECONDS once no
        transaction that may hold it can still commit (``oldest_running``: the snapshot's xmin)."""
        gap_seconds = _setting("LIVE_GAP_SECONDS", 5)
        while self.done_above:
            following = self.watermark + 1
            if following in self.done_above:
                self.done_above.remove(following)
                self.watermark = following
                self.gap_since = self.gap_horizon = None
                continue
            now = time.monotonic()
            if self.gap_since is None:
                self.gap_since, self.gap_horizon = now, None
            if now - self.gap_since < gap_seconds:
                return
            if self.gap_horizon is None or (
                self.gap_horizon and (oldest_running is None or oldest_running < self.gap_horizon)
            ):
                return  # a transaction that was running when the gap was seen may still commit it
            logger.warning("live: giving up seqs %s..%s", following, min(self.done_above) - 1)
            self.watermark = min(self.done_above) - 1
            self.gap_since = self.gap_horizon = None


_drains = LoopWorkers(Drain)
drain_attach = _drains.attach  # a consumer connected: this loop's worker runs, the client is counted
drain_detach = _drains.detach
wake_drains = _drains.wake_all  # from any thread, after this process changed what is polled: poll now
drains_stop = _drains.stop  # stop the running loop's worker (tests, shutdown)
