"""Background tasks of the network: deliver the outbox upstream; sync the catalogue upward (federation.sync).

The outbox keeps its own back-off (``next_attempt_at``, exponential, capped); this task only asks it,
every few seconds, to deliver what is due (portal/worker/schedule.py). Deliveries carry idempotency
keys, so a run repeated after a killed worker sends nothing twice to the receiving node's records.
"""

from django_tasks import task


@task()
def federation_outbox_drain(*, limit: int = 500) -> dict[str, int]:
    from .services import outbox_drain

    return outbox_drain(limit=limit)


@task()
def federation_catalogue_sync() -> dict[str, int]:
    """Catalogue changes upward (federation.sync): the cursor moves only on the upstream's acknowledgement."""
    from .sync import sync_pass

    return sync_pass()


@task()
def federation_selftest(*, upstream: str = "", code: str = "") -> dict:
    """The integration self-test of this node against its upstream (federation.selftest): enrol with the
    one-time code (once), then file, acknowledge, resolve, sync and report; the transcript goes upstream."""
    from .selftest import selftest_run

    return selftest_run(upstream=upstream, code=code)
