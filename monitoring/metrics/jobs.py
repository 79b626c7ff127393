"""The periodic job of system E, in the order it must run (``manage.py metrics_rollup``)."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from .collectors import metrics_collect_incremental
from .ingest import resource_snapshot_take
from .requests import request_stats_flush
from .rollup import RollupResult, resource_rollup


@dataclass(frozen=True)
class JobResult:
    snapshot: int
    requests_flushed: int
    rollup: RollupResult
    values: int
    report: object | None


def metrics_rollup_run(
    *, now: datetime.datetime | None = None, snapshot: bool = True, report: bool = True
) -> JobResult:
    """Snapshot listed resources, write buffered request counts, roll samples up, collect flows 8–10,
    and queue yesterday's report upward once (not on a national node)."""
    now = now or timezone.now()
    taken = resource_snapshot_take(now=now) if snapshot else 0
    flushed = request_stats_flush()
    rolled = resource_rollup()
    values = metrics_collect_incremental(now=now)
    queued = None
    if report:
        from ..reports import report_enqueue_due

        queued = report_enqueue_due(now=now)
    return JobResult(taken, flushed, rolled, values, queued)
