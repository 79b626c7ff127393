"""The Prometheus side of monitoring (``/metrics``): one registry for this process.

Exposed series:

- ``node_http_request_duration_seconds`` (histogram; labels method, route, status) — every request;
- ``node_search_latency_seconds`` (histogram) — fed by ``monitoring.metrics.observe_search_latency``;
- ``node_websocket_connections`` (gauge) — fed by ``websocket_connected`` / ``websocket_disconnected``;
- ``node_outbox_backlog`` (gauge; label kind) — pending federation messages, read at scrape time;
- ``node_outbox_oldest_pending_seconds`` (gauge) — age of the oldest pending message;
- ``node_metrics_rollup_backlog`` (gauge) — queued sample sums the resource roll-up has not added yet;
- ``node_metrics_rollup_lag_seconds`` (gauge) — how long the oldest of them has waited (the roll-up lag).

One process (``make run``'s daphne) exposes its own registry. Several worker processes (deploy/serve.sh)
share their figures through prometheus_client's multiprocess mode: with ``PROMETHEUS_MULTIPROC_DIR`` set
(serve.sh sets it to a fresh directory), every process writes its counters and histograms to files there
and ``/metrics`` adds up all of them, whichever worker answers the scrape; the websocket gauge sums the live
processes. The two collectors below read the database, so any process gives the node-wide figure.
"""

import os

from prometheus_client import CollectorRegistry, Gauge, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

from .requests import LATENCY_BUCKETS

REGISTRY = CollectorRegistry(auto_describe=True)

REQUEST_LATENCY = Histogram(
    "node_http_request_duration_seconds",
    "HTTP request latency by route",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
SEARCH_LATENCY = Histogram(
    "node_search_latency_seconds",
    "Compute selection query latency",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    registry=REGISTRY,
)
WEBSOCKET_CONNECTIONS = Gauge(
    "node_websocket_connections", "Open websocket connections", multiprocess_mode="livesum", registry=REGISTRY
)


class OutboxCollector:
    """Reads the federation outbox at scrape time (two small queries)."""

    def collect(self):
        from django.db.models import Count, Min
        from django.utils import timezone

        from federation.models import OutboxMessage, OutboxStatus

        backlog = GaugeMetricFamily("node_outbox_backlog", "Pending federation outbox messages", labels=["kind"])
        pending = OutboxMessage.objects.filter(status=OutboxStatus.PENDING)
        for row in pending.values("kind").annotate(n=Count("pk")).order_by("kind"):
            backlog.add_metric([row["kind"]], row["n"])
        yield backlog
        oldest = pending.aggregate(oldest=Min("created_at"))["oldest"]
        age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
        yield GaugeMetricFamily(
            "node_outbox_oldest_pending_seconds", "Age of the oldest pending outbox message", value=age
        )

    def describe(self):
        return []


class RollupCollector:
    """Reads the roll-up queue at scrape time (one small query): how far the roll-ups are behind."""

    def collect(self):
        from django.utils import timezone

        from .rollup import resource_rollup_backlog

        entries, oldest = resource_rollup_backlog()
        yield GaugeMetricFamily(
            "node_metrics_rollup_backlog", "Queued sample sums not yet added to the roll-ups", value=entries
        )
        lag = max(0.0, (timezone.now() - oldest).total_seconds()) if oldest else 0.0
        yield GaugeMetricFamily(
            "node_metrics_rollup_lag_seconds", "How long the oldest queued sample sum has waited", value=lag
        )

    def describe(self):
        return []


REGISTRY.register(OutboxCollector())
REGISTRY.register(RollupCollector())


def render() -> bytes:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()  # every worker's files, plus the database-backed figures
    multiprocess.MultiProcessCollector(registry)
    registry.register(OutboxCollector())
    registry.register(RollupCollector())
    return generate_latest(registry)
