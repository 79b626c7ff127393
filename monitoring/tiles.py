"""Live headline tiles of the operation monitoring dashboards (issue 7, item 2), fed by the change
feed (changes/) like every other live page.

Path of a change, across processes (the roll-up, imports and management commands run elsewhere):

1. a catalogue change appends its rows to the feed in its own transaction (its ``area`` is the
   resource's province; bulk imports carry none: every scope); whatever else changes a figure behind
   a tile appends a ``tiles`` change with ``tiles_changed_append``: a demand saved
   (``on_demand_saved``), samples rolled up (``metrics.rollup.resource_rollup``), API request counts
   written (``metrics.requests.request_stats_flush``);
2. the live fan-out of every ASGI process (changes.live: one drain for records and tiles) hands each
   batch of new changes to ``TilesTopic.changed``; for each scope (operator, or a regulator's
   jurisdiction) with dashboards open in that process that a change concerns, the figures are computed
   once and pushed in full to its sockets (monitoring.consumers.TilesConsumer, ``ws/monitoring/tiles/``);
   every ``TILES_REFRESH_SECONDS`` they are computed again anyway ("today" and "the last hour" move
   with the clock).

A snapshot's *stamp* is the feed position it was computed at: it only grows, so a socket never
replaces newer figures with older ones.
"""

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import transaction

from changes.registry import live_topic_register
from changes.selectors import current_position
from changes.services import changes_append

logger = logging.getLogger(__name__)

ALL = ""  # the area of a change that concerns every scope
NODE = "00"  # the area of node-wide figures only operators see (API traffic); no province has it
TILES = "tiles"  # the record type of feed changes that only move monitoring figures
# catalogue record types whose changes move the tiles' figures
CATALOGUE = frozenset({"resource"})


@dataclass(frozen=True)
class TileScope:
    """What one dashboard shows: the operator's node-wide view, or a regulator's jurisdiction."""

    operator: bool
    prefix: str = ""

    @property
    def area(self) -> str:
        return self.prefix[:2]

    @property
    def group(self) -> str:
        """The channel-layer group of the scope's sockets (channels_redis)."""
        return f"monitoring.tiles.{'operator' if self.operator else 'regulator'}.{self.prefix or 'all'}"

    def covers(self, area: str) -> bool:
        area = (area or ALL)[:2]
        if area == NODE:
            return self.operator
        return area == ALL or not self.area or area == self.area


def tiles_snapshot(scope: TileScope) -> tuple[int, dict]:
    """(stamp, figures) of a scope now. The position is read first, so the figures are at least as
    new as the stamp says."""
    from .dashboards import headline_figures

    stamp = current_position()
    return stamp, headline_figures(operator=scope.operator, prefix=scope.prefix)


def tiles_changed_append(*, areas: Iterable[str] | None = None) -> None:
    """The figures of ``areas`` (province codes or prefixes, ``NODE``; None: every scope) change with
    the current transaction: append that to the feed in it (outside a transaction, in one of its own:
    the roll-up's steps have committed already; a lost nudge only delays a tile to its next refresh)."""
    keys = sorted({ALL} if areas is None else {str(area or ALL)[:2] for area in areas})
    if ALL in keys:
        keys = [ALL]  # reaches every scope anyway
    with transaction.atomic():
        changes_append(record_type=TILES, record_ids=[0] * len(keys), kind="figures", areas=keys)


@dataclass
class _Sockets:
    """The tiles sockets of one live fan-out (one ASGI process / event loop)."""

    local: dict[TileScope, set] = field(default_factory=dict)
    computed: dict[TileScope, float] = field(default_factory=dict)  # monotonic time, per scope


class TilesTopic:
    """The monitoring tiles as a topic of the live fan-out (changes.live.Fanout)."""

    @staticmethod
    def sockets(fanout) -> _Sockets:
        return fanout.states.setdefault(TILES, _Sockets())

    async def subscribe(self, fanout, scope: TileScope, consumer) -> None:
        self.sockets(fanout).local.setdefault(scope, set()).add(consumer)
        if not fanout.local_only:
            await fanout.layer.group_add(scope.group, consumer.channel_name)

    async def unsubscribe(self, fanout, scope: TileScope, consumer) -> None:
        state = self.sockets(fanout)
        sockets = state.local.get(scope)
        if sockets is not None:
            sockets.discard(consumer)
            if not sockets:
                del state.local[scope]
                state.computed.pop(scope, None)
        if not fanout.local_only:
            await fanout.layer.group_discard(scope.group, consumer.channel_name)

    async def changed(self, fanout, rows) -> None:
        state = self.sockets(fanout)
        if not state.local:
            return
        areas = {row.area for row in rows if row.record_type == TILES or row.record_type in CATALOGUE}
        if not areas:
            return
        stamp = max(row.seq for row in rows)
        for scope in [scope for scope, sockets in state.local.items() if sockets]:
            if any(scope.covers(area) for area in areas):
                await self.publish(fanout, scope, stamp)

    async def tick(self, fanout) -> None:
        """Compute every scope again once its figures are ``TILES_REFRESH_SECONDS`` old."""
        state = self.sockets(fanout)
        refresh = float(getattr(settings, "TILES_REFRESH_SECONDS", 60))
        now = time.monotonic()
        for scope in [scope for scope, sockets in state.local.items() if sockets]:
            if now - state.computed.get(scope, now) >= refresh:
                await self.publish(fanout, scope, fanout.position, claim_window=int(time.time() // max(refresh, 1)))

    async def publish(self, fanout, scope: TileScope, stamp: int, claim_window: int = 0) -> None:
        state = self.sockets(fanout)
        state.computed[scope] = time.monotonic()
        if not fanout.local_only and not await fanout.claim(
            f"monitoring.tiles.claim.{scope.group}.{stamp}.{claim_window}", timeout=120
        ):
            return  # another process publishes this one to the group
        from .dashboards import headline_figures

        figures = await database_sync_to_async(headline_figures)(operator=scope.operator, prefix=scope.prefix)
        if fanout.local_only:
            for consumer in list(state.local.get(scope, ())):
                try:
                    await consumer.push(stamp, figures)
                except Exception:  # a socket closing meanwhile: its disconnect cleans up
                    logger.debug("tiles: push to a closing consumer failed", exc_info=True)
        else:
            await fanout.layer.group_send(scope.group, {"type": "tiles.snapshot", "stamp": stamp, "figures": figures})
        fanout.published += 1


TOPIC = TilesTopic()


# --- receivers ---------------------------------------------------------------------------------


def on_demand_saved(sender, instance, **kwargs) -> None:
    """A demand was submitted, matched, accepted, confirmed… (its city's province)."""
    tiles_changed_append(areas=[str(getattr(instance, "city_id", "") or ALL)])


def tiles_connect() -> None:
    """Register the tiles with the live fan-out and subscribe the receivers (MonitoringConfig.ready)."""
    from django.db.models.signals import post_save

    from .metrics.collectors import _demand_model

    live_topic_register(TILES, TOPIC)
    demand = _demand_model("Demand")
    if demand is not None:
        post_save.connect(on_demand_saved, sender=demand, dispatch_uid="monitoring.tiles.demand_saved")
