"""API request counts, errors and latency (flow 8), buffered per process and written per hour.

The middleware calls ``request_observe``; every ``METRICS_REQUEST_FLUSH_EVERY`` requests (and on
every ``metrics_rollup``) ``request_stats_flush`` adds the buffer to ``ApiRequestStat`` rows. The buffer
lives in the serving process, where the worker cannot reach it, so a timer of that process also writes
it ``METRICS_REQUEST_FLUSH_SECONDS`` after its first entry: the operators' "requests in the last hour"
lags by seconds under a trickle of calls instead of waiting for the 200th.
"""

import bisect
import threading
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .periods import hour_start

# Upper bounds (seconds) of the latency buckets; the last bucket is everything slower.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

_lock = threading.Lock()
_buffer: dict[tuple, list] = defaultdict(lambda: [0, 0.0, 0.0, [0] * (len(LATENCY_BUCKETS) + 1)])
_pending = 0
_timer: threading.Timer | None = None


def bucket_index(seconds: float) -> int:
    return bisect.bisect_left(LATENCY_BUCKETS, seconds)


def request_observe(*, route: str, method: str, status: int, seconds: float, now=None) -> None:
    global _pending
    key = (hour_start(now or timezone.now()), route[:128], method[:8], int(status))
    with _lock:
        entry = _buffer[key]
        entry[0] += 1
        entry[1] += seconds
        entry[2] = max(entry[2], seconds)
        entry[3][bucket_index(seconds)] += 1
        _pending += 1
        due = _pending >= max(1, settings.METRICS_REQUEST_FLUSH_EVERY)
        if not due and _pending == 1:
            _timer_arm()
    if due:
        request_stats_flush()


def _timer_arm() -> None:
    """Write the buffer at the latest METRICS_REQUEST_FLUSH_SECONDS from now (called with the lock held)."""
    global _timer
    delay = settings.METRICS_REQUEST_FLUSH_SECONDS
    if delay <= 0 or (_timer is not None and _timer.is_alive()):
        return
    _timer = threading.Timer(delay, _timed_flush)
    _timer.daemon = True
    _timer.start()


def _timed_flush() -> None:
    from django.db import connection

    try:
        request_stats_flush()
    finally:
        connection.close()  # the timer's own thread: do not leave its connection open


def _take() -> dict:
    global _pending
    with _lock:
        taken = dict(_buffer)
        _buffer.clear()
        _pending = 0
    return taken


def request_stats_flush() -> int:
    """Write the buffered counts (one transaction); returns the number of requests written."""
    from ..models import ApiRequestStat

    taken = _take()
    if not taken:
        return 0
    written = 0
    with transaction.atomic():
        for (hour, route, method, status), (count, total, longest, buckets) in taken.items():
            stat, created = ApiRequestStat.objects.select_for_update().get_or_create(
                hour=hour,
                route=route,
                method=method,
                status=status,
                defaults={"count": count, "total_seconds": total, "max_seconds": longest, "buckets": buckets},
            )
            if not created:
                merged = [a + b for a, b in zip(stat.buckets or [0] * len(buckets), buckets, strict=False)]
                ApiRequestStat.objects.filter(pk=stat.pk).update(
                    count=F("count") + count,
                    total_seconds=F("total_seconds") + total,
                    max_seconds=max(stat.max_seconds, longest),
                    buckets=merged,
                )
            written += count
        from ..tiles import NODE, tiles_changed_append

        tiles_changed_append(areas=[NODE])  # the operators' API request tiles, in the same transaction
    return written


def percentile_from_buckets(buckets: list[int], fraction: float) -> float | None:
    """The bucket upper bound (seconds) below which ``fraction`` of the requests fall."""
    total = sum(buckets)
    if not total:
        return None
    threshold, running = fraction * total, 0
    for index, count in enumerate(buckets):
        running += count
        if running >= threshold:
            return LATENCY_BUCKETS[index] if index < len(LATENCY_BUCKETS) else float("inf")
    return float("inf")
