"""Live headline tiles of the operation monitoring dashboards (issue 7, item 2).

Path of a change, across processes (the roll-up, imports and management commands run elsewhere):

1. whatever changes a figure behind a tile calls ``tiles_touch`` once its change is committed: the
   catalogue's after-commit hook (status updates, approvals, imports: ``on_record_changed``), a demand
   saved (``on_demand_saved``), samples rolled up (``metrics.rollup.resource_rollup``), API request
   counts written (``metrics.requests.request_stats_flush``);
2. ``tiles_touch`` adds one to the ``TileVersion`` row of each area the change concerns (the
   two-digit province prefix; "00" for node-wide figures only operators see; "" for every scope),
   in the database, and wakes this process's pollers;
3. the tiles poller of every ASGI process (monitoring.tiles_poller) reads those few rows every
   ``TILES_POLL_SECONDS``; for each scope (operator, or a regulator's jurisdiction) with dashboards
   open whose versions moved, it computes the figures once and pushes the full snapshot to their
   sockets (monitoring.consumers.TilesConsumer, ``ws/monitoring/tiles/``).

A scope's *stamp* is the sum of the versions of the areas it covers: it only grows, so a socket
never replaces newer figures with older ones.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import TileVersion

logger = logging.getLogger(__name__)

ALL = ""  # the area of a change that concerns every scope
NODE = "00"  # the area of node-wide figures only operators see (API traffic); no province has it
MAX_IDS_LOOKED_UP = 500  # larger catalogue changes (imports) touch every scope instead of looking up provinces


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
        if area == NODE:
            return self.operator
        return area == ALL or not self.area or area == self.area

    def stamp(self, versions: dict[str, int]) -> int:
        return sum(version for area, version in versions.items() if self.covers(area))


def tile_versions() -> dict[str, int]:
    """Every area's version (one query over at most one row per province)."""
    return dict(TileVersion.objects.values_list("area", "version"))


def tiles_snapshot(scope: TileScope) -> tuple[int, dict]:
    """(stamp, figures) of a scope now. The versions are read first, so the figures are at least as
    new as the stamp says."""
    from .dashboards import headline_figures

    stamp = scope.stamp(tile_versions())
    return stamp, headline_figures(operator=scope.operator, prefix=scope.prefix)


def tiles_touch(*, areas: Iterable[str] | None = None) -> None:
    """The figures of ``areas`` (province codes or prefixes, ``NODE``; None: every scope) changed and
    that change is committed. Never raises: the change itself is done; dashboards catch up at their next change
    or periodic refresh."""
    try:
        keys = {ALL} if areas is None else {str(area or ALL)[:2] for area in areas}
        if ALL in keys:
            keys = {ALL}  # reaches every scope anyway
        now = timezone.now()
        for area in sorted(keys):
            if not TileVersion.objects.filter(area=area).update(version=F("version") + 1, changed_at=now):
                # the area's first change (a concurrent first change may win the insert: its bump counts)
                first = TileVersion(area=area, version=1, changed_at=now)
                TileVersion.objects.bulk_create([first], ignore_conflicts=True)
    except Exception:
        logger.exception("tiles: could not record a change of %s", areas)
        return
    from .tiles_poller import wake_tile_pollers

    wake_tile_pollers()


def tiles_touch_on_commit(*, areas: Iterable[str] | None = None) -> None:
    """``tiles_touch`` once the current transaction commits (at once outside a transaction)."""
    areas = None if areas is None else list(areas)
    transaction.on_commit(lambda: tiles_touch(areas=areas))


# --- receivers ---------------------------------------------------------------------------------


def on_record_changed(sender, record_ids=(), change="", fields=(), **kwargs) -> None:
    """The catalogue's after-commit hook: a compute resource changed (listing, state, availability,
    identifier issued on approval)."""
    from catalog.models import ComputeResource

    if sender is not ComputeResource:
        return
    ids = list(record_ids)
    if not ids:
        return
    areas = None
    if len(ids) <= MAX_IDS_LOOKED_UP:
        try:
            found = ComputeResource.objects.filter(pk__in=ids).values_list("province_code", flat=True).distinct()
            areas = [code or ALL for code in found] or None
        except Exception:
            logger.exception("tiles: could not look up the provinces of %s", ids[:10])
    tiles_touch(areas=areas)


def on_demand_saved(sender, instance, **kwargs) -> None:
    """A demand was submitted, matched, accepted, confirmed… (its city's province)."""
    tiles_touch_on_commit(areas=[str(getattr(instance, "city_id", "") or ALL)])


def tiles_connect() -> None:
    """Subscribe the receivers (MonitoringConfig.ready; idempotent)."""
    from django.db.models.signals import post_save

    from catalog.services import record_changed_subscribe

    from .metrics.collectors import _demand_model

    record_changed_subscribe(on_record_changed, dispatch_uid="monitoring.tiles.record_changed")
    demand = _demand_model("Demand")
    if demand is not None:
        post_save.connect(on_demand_saved, sender=demand, dispatch_uid="monitoring.tiles.demand_saved")
