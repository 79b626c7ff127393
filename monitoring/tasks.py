"""Background tasks of system E (metric roll-ups, retention).

Each calls the service that does the work; `portal/worker/schedule.py` says when. Every task is
idempotent: the worker may run one again after it was killed mid-way (at-least-once).
"""

from django_tasks import task


@task()
def metrics_resource_rollup() -> dict[str, int]:
    """Add the queued per-(resource, hour) sums of ingested samples to the hourly and daily rows."""
    from .metrics.rollup import resource_rollup

    rolled = resource_rollup()
    return {"samples": rolled.samples, "hours": rolled.hours, "days": rolled.days}


@task()
def metrics_rollup() -> dict[str, int | bool]:
    """The whole job: capacity snapshot, buffered request counts, roll-ups, flows 8–10, and once a
    day yesterday's report queued upward."""
    from .metrics.jobs import metrics_rollup_run

    result = metrics_rollup_run()
    return {
        "snapshot": result.snapshot,
        "requests_flushed": result.requests_flushed,
        "samples": result.rollup.samples,
        "values": result.values,
        "report_queued": result.report is not None,
    }


@task()
def metrics_prune() -> dict[str, int]:
    """Delete metrics older than METRICS_*_RETENTION_DAYS."""
    from .metrics.rollup import metrics_prune as prune

    return prune()


@task()
def metrics_resource_samples() -> dict[str, int]:
    """Resource samples from the change feed (a durable cursor: exactly once, caught up after an outage)."""
    from .metrics.feed import resource_samples_from_feed

    return resource_samples_from_feed()


@task()
def reliability_compute() -> dict[str, int]:
    """Every compute resource's reliability figure from the last 30 days of monitoring (monitoring.reliability)."""
    from .reliability import reliability_compute as compute

    return compute()
