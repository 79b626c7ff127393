"""When each periodic task runs: the one table an operator reads (and the README repeats).

Every entry enqueues its task on the worker's backend; an entry whose task is still waiting or running
is skipped (coalesced), so a slow run never piles up copies. ``when`` is a cheap read that must hold for
the entry to enqueue (the per-second roll-up enqueues only when samples are queued). Times are
Asia/Shanghai (TIME_ZONE).
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Entry:
    name: str
    task: str  # dotted path of a django_tasks Task
    trigger: str  # "interval" or "cron" (APScheduler triggers)
    every: dict = field(default_factory=dict)  # the trigger's arguments
    when: Callable[[], bool] | None = None
    note: str = ""


def _rollup_queued() -> bool:
    from monitoring.models import ResourceRollupPending

    return ResourceRollupPending.objects.exists()


def _samples_pending() -> bool:
    from monitoring.metrics.feed import samples_pending

    return samples_pending()


def _elasticsearch() -> bool:
    from django.conf import settings

    return getattr(settings, "SEARCH_BACKEND", "") == "elasticsearch"


def _has_upstream() -> bool:
    from federation.selectors import upstream_url

    return bool(upstream_url())


SCHEDULE: tuple[Entry, ...] = (
    # --- system E: operation monitoring
    Entry(
        "metrics_resource_rollup",
        "monitoring.tasks.metrics_resource_rollup",
        "interval",
        {"seconds": 1},
        when=_rollup_queued,
        note="ingested samples reach the hourly/daily roll-ups within seconds",
    ),
    Entry(
        "metrics_resource_samples",
        "monitoring.tasks.metrics_resource_samples",
        "interval",
        {"seconds": 1},
        when=_samples_pending,
        note="status updates of listed resources become samples (change feed, cursor monitoring.resource_samples)",
    ),
    Entry(
        "metrics_rollup",
        "monitoring.tasks.metrics_rollup",
        "interval",
        {"minutes": 5},
        note="capacity snapshot, request counts, flows 8–10; yesterday's report queued upward once a day",
    ),
    Entry(
        "reliability_compute",
        "monitoring.tasks.reliability_compute",
        "cron",
        {"minute": 15},
        note="per-resource reliability (30-day online rate, unplanned outages, SLA) for selection and matching",
    ),
    Entry("metrics_prune", "monitoring.tasks.metrics_prune", "cron", {"hour": 3, "minute": 10}, note="retention"),
    # --- system F: security
    Entry(
        "security_scan", "security.tasks.security_scan", "cron", {"hour": 2, "minute": 30}, note="pip-audit + bandit"
    ),
    # --- the network: everything upstream goes through the outbox (its own back-off per message)
    Entry("federation_outbox_drain", "federation.tasks.federation_outbox_drain", "interval", {"seconds": 10}),
    Entry(
        "federation_catalogue_sync",
        "federation.tasks.federation_catalogue_sync",
        "interval",
        {"seconds": 1},  # status changes reach the upstream selection within ~2 s (bench-federation, lag part)
        when=_has_upstream,
        note="catalogue changes to the upstream node; cursor peer:<upstream> moves on its acknowledgement",
    ),
    # --- the market: holds nobody confirmed in time give their cards back
    Entry(
        "holds_expire",
        "orders.tasks.holds_expire",
        "interval",
        {"seconds": 30},
        note="holds past HOLD_TTL_MINUTES (default 30) are released; selection shows the cards again",
    ),
    Entry(
        "api_idempotency_prune",
        "orders.tasks.api_idempotency_prune",
        "cron",
        {"minute": 25},
        note="idempotency keys of the standard interface (accept) older than 24 h are deleted, hourly",
    ),
    Entry(
        "demand_plans_lapse",
        "workflows.demand.tasks.demand_plans_lapse",
        "interval",
        {"seconds": 30},
        note="accepted plans whose holds expired before confirmation lapse; the demand goes back to its user",
    ),
    Entry(
        "resale_offers_lapse_notify",
        "workflows.demand.tasks.resale_offers_lapse_notify",
        "interval",
        {"minutes": 10},
        note="resellers told once that their offers stopped showing (the public list hides them when read)",
    ),
    # --- node applications: paper copies not received by the campaign's deadline (逾期未报送的视为自动放弃)
    Entry(
        "paper_copies_abandon_overdue",
        "workflows.node_application.tasks.paper_copies_abandon_overdue",
        "interval",
        {"minutes": 5},
        note="applications without registered paper copies past the campaign's deadline are abandoned",
    ),
    # --- search: an Elasticsearch index follows the change feed (the database backend reads it in-process)
    Entry(
        "search_elasticsearch_sync",
        "search.tasks.search_elasticsearch_sync",
        "interval",
        {"seconds": 2},
        when=_elasticsearch,
        note="catalogue changes and renames re-indexed (change feed, cursor search.elasticsearch)",
    ),
    # --- the Wagtail site
    Entry("publish_scheduled", "portal.tasks.publish_scheduled", "cron", {"minute": "*"}, note="scheduled notices"),
    # --- the change feed: retention (changes every durable cursor passed, older than the catch-up window)
    Entry("feed_prune", "changes.tasks.feed_prune", "cron", {"minute": 20}, note="change-feed retention, hourly"),
    # --- the queue itself
    Entry("task_results_prune", "portal.tasks.task_results_prune", "cron", {"hour": 3, "minute": 40}),
)


def entry_named(name: str) -> Entry:
    for entry in SCHEDULE:
        if entry.name == name:
            return entry
    raise KeyError(name)
