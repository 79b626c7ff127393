"""Background task of the demand process (scheduled in `portal/worker/schedule.py`)."""

from django_tasks import task


@task()
def demand_plans_lapse() -> dict[str, int]:
    """Plans whose holds expired before every provider confirmed lapse; the demand goes back to its user
    (idempotent: a lapsed plan is no longer waiting)."""
    from .lapse import demand_plans_lapse as lapse

    return {"lapsed": lapse()}


@task()
def resale_offers_lapse_notify() -> dict[str, int]:
    """Tell resellers once that their offers stopped showing (qualification expired or revoked); the
    offers are hidden by the public query itself, whether or not this has run."""
    from .resale import resale_lapse_notify

    return {"told": resale_lapse_notify()}
