"""Background task of the node application process (scheduled in `portal/worker/schedule.py`)."""

from django_tasks import task


@task()
def paper_copies_abandon_overdue() -> dict[str, int]:
    """Applications whose paper copies were not registered as received by their campaign's deadline are
    abandoned (逾期未报送的视为自动放弃); idempotent: an abandoned application is no longer pending."""
    from .services.paper_copies import paper_copies_abandon_overdue as abandon

    return {"abandoned": abandon()}
