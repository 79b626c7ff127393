"""The tiles poller: one asyncio task per ASGI process (per event loop), modelled on the live
drain (search.live.drain), that notices changes of the headline tiles' figures and pushes fresh
snapshots to the dashboards' sockets.

It starts with the first tiles socket and stops after ``TILES_IDLE_SECONDS`` without one. Each
step reads the ``TileVersion`` rows (one query over at most one row per province) and, for every
scope with sockets in this process whose stamp moved (or whose last computation is older than
``TILES_REFRESH_SECONDS``: "today" and "the last hour" move with the clock), computes the figures
once and hands them to the sockets of that scope: directly with the in-memory channel layer,
through the group ``monitoring.tiles.<scope>`` with channels_redis, where whichever process claims
(scope, stamp) first in the shared cache publishes for all. Changes made in this process wake it
at once; changes made elsewhere are seen at the next poll (``TILES_POLL_SECONDS``, default 0.5 s).
It only reads the database.
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

from .tiles import TileScope, tile_versions

logger = logging.getLogger(__name__)


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


class TilesPoller:
    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.layer = get_channel_layer()
        self.local_only = isinstance(self.layer, InMemoryChannelLayer)  # as the drain decides
        self.local: dict[TileScope, set] = {}  # scope -> sockets of this process
        self.stamps: dict[TileScope, int] = {}  # the stamp last computed (or claimed elsewhere) per scope
        self.computed: dict[TileScope, float] = {}  # when, per scope (monotonic)
        self.wake = asyncio.Event()
        self.clients = 0
        self.idle_since: float | None = None
        self.published = 0  # snapshots computed and handed on (tests, diagnostics)
        self.task: asyncio.Task | None = None

    def start(self) -> None:
        self.task = self.loop.create_task(self.run(), name="monitoring.tiles.poller")

    async def run(self) -> None:
        poll = _setting("TILES_POLL_SECONDS", 0.5)
        idle = _setting("TILES_IDLE_SECONDS", 60)
        while True:
            try:
                await self.step()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("tiles: poller step failed; retrying")
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

    async def step(self) -> None:
        scopes = [scope for scope, sockets in self.local.items() if sockets]
        if not scopes:
            return
        refresh = _setting("TILES_REFRESH_SECONDS", 60)
        versions = await database_sync_to_async(tile_versions)()
        for scope in scopes:
            stamp, now = scope.stamp(versions), time.monotonic()
            if stamp == self.stamps.get(scope) and now - self.computed.get(scope, 0) < refresh:
                continue
            self.stamps[scope], self.computed[scope] = stamp, now
            if not self.local_only and not await self.claim(scope, stamp, refresh):
                continue  # another process publishes this one to the group
            from .dashboards import headline_figures

            figures = await database_sync_to_async(headline_figures)(operator=scope.operator, prefix=scope.prefix)
            if self.local_only:
                for consumer in list(self.local.get(scope, ())):
                    try:
                        await consumer.push(stamp, figures)
                    except Exception:  # a socket closing meanwhile: its disconnect cleans up
                        logger.debug("tiles: push to a closing consumer failed", exc_info=True)
            else:
                await self.layer.group_send(scope.group, {"type": "tiles.snapshot", "stamp": stamp, "figures": figures})
            self.published += 1

    async def claim(self, scope: TileScope, stamp: int, refresh: float) -> bool:
        """Whether this process publishes (scope, stamp) — or, for a periodic refresh, this refresh."""
        key = f"monitoring.tiles.claim.{scope.group}.{stamp}.{int(time.time() // max(refresh, 1))}"
        try:
            return await cache.aadd(key, 1, timeout=max(int(refresh) * 2, 60))
        except Exception:  # the cache is down: publishing twice is better than not at all
            logger.warning("tiles: cache unavailable for claim of %s", key, exc_info=True)
            return True

    async def subscribe(self, scope: TileScope, consumer) -> None:
        self.local.setdefault(scope, set()).add(consumer)
        if not self.local_only:
            await self.layer.group_add(scope.group, consumer.channel_name)

    async def unsubscribe(self, scope: TileScope, consumer) -> None:
        sockets = self.local.get(scope)
        if sockets is not None:
            sockets.discard(consumer)
            if not sockets:
                del self.local[scope]
                self.stamps.pop(scope, None)
                self.computed.pop(scope, None)
        if not self.local_only:
            await self.layer.group_discard(scope.group, consumer.channel_name)


_pollers = LoopWorkers(TilesPoller)
tiles_poller_attach = _pollers.attach  # a consumer connected: this loop's worker runs, the client is counted
tiles_poller_detach = _pollers.detach
wake_tile_pollers = _pollers.wake_all  # from any thread, after this process changed what is polled: poll now
tiles_pollers_stop = _pollers.stop  # stop the running loop's worker (tests, shutdown)
