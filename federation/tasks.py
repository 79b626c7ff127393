"""Background task of the network: deliver the outbox upstream.

The outbox keeps its own back-off (``next_attempt_at``, exponential, capped); this task only asks it,
every few seconds, to deliver what is due (portal/worker/schedule.py). Deliveries carry idempotency
keys, so a run repeated after a killed worker sends nothing twice to the receiving node's records.
"""

from django_tasks import task


@task()
def federation_outbox_drain(*, limit: int = 500) -> dict[str, int]:
    from .services import outbox_drain

    return outbox_drain(limit=limit)
