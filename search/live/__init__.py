"""Live updates of catalogue records over websockets (issue 5 item 6).

Path of a change: a catalogue service commits -> ``catalog.services.record_changed_subscribe``
calls ``outbox.on_record_changed`` after commit (or, once the catalogue announces inside its
transaction, ``outbox.on_record_changing`` writes in that transaction) -> one ``LiveChange`` row
per record with its full current snapshot -> the drain of every ASGI process polls the table and
``group_send``s to ``live.resource.<id>`` -> ``search.consumers.LiveConsumer`` pushes ``{"type": "snapshot", ...}`` to
the browsers subscribed to ``resource:<id>`` (frontend/static/js/live.js).

``live_connect()`` subscribes the outbox writer; ``SearchConfig.ready()`` calls it once.
"""

from .outbox import current_seq, live_changes_prune, live_changes_record


def live_connect() -> None:
    """Subscribe the outbox writer (idempotent): inside the catalogue's transaction when the catalogue
    announces changes there too (``record_changing_subscribe``), after its commit otherwise (see
    search/live/outbox.py)."""
    from catalog import services

    from .outbox import on_record_changed, on_record_changing

    in_transaction = getattr(services, "record_changing_subscribe", None)
    if in_transaction is not None:
        in_transaction(on_record_changing, dispatch_uid="search.live.outbox")
    else:
        services.record_changed_subscribe(on_record_changed, dispatch_uid="search.live.outbox")


__all__ = ["current_seq", "live_changes_prune", "live_changes_record", "live_connect"]
