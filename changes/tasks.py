"""Background task of the change feed: retention (scheduled in `portal/worker/schedule.py`)."""

from django_tasks import task


@task()
def feed_prune() -> dict[str, int]:
    """Delete changes every durable consumer has passed and older than the catch-up window (idempotent)."""
    from .services import feed_prune as prune

    return {"deleted": prune()}
