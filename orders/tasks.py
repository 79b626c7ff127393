"""Background task of holds (scheduled in `portal/worker/schedule.py`)."""

from django_tasks import task


@task()
def holds_expire() -> dict[str, int]:
    """Release holds that no provider confirmed in time (idempotent)."""
    from .services import holds_expire as expire

    return {"expired": expire()}
