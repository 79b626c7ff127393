"""Background task of holds (scheduled in `portal/worker/schedule.py`)."""

from django_tasks import task


@task()
def holds_expire() -> dict[str, int]:
    """Release holds that no provider confirmed in time (idempotent); tell the upstream node of its requests;
    tell the operators of resources newly reported below what is allocated (orders/over_allocation.py)."""
    from .over_allocation import over_allocation_notify
    from .remote import network_holds_expire
    from .services import holds_expire as expire

    expired = expire()
    notices = over_allocation_notify()
    return {"expired": expired, "network_expired": network_holds_expire(), "over_allocated": notices["flagged"]}


@task()
def api_idempotency_prune() -> dict[str, int]:
    """Idempotency records of the standard interface older than 24 hours go (orders.idempotency)."""
    from .idempotency import idempotency_prune

    return {"deleted": idempotency_prune()}
