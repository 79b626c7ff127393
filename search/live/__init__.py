"""Live updates of catalogue records over websockets (issue 5 item 6).

Path of a change: a catalogue service commits -> ``catalog.services.record_changed_subscribe``
calls ``outbox.on_record_changed`` after commit -> one ``LiveChange`` row per record with its full
current snapshot -> the drain of every ASGI process polls the table and ``group_send``s to
``live.resource.<id>`` -> ``search.consumers.LiveConsumer`` pushes ``{"type": "snapshot", ...}`` to
the browsers subscribed to ``resource:<id>`` (frontend/static/js/live.js).

``live_connect()`` subscribes the outbox writer; ``SearchConfig.ready()`` calls it once.
"""

from .outbox import current_seq, live_changes_prune, live_changes_record


def live_connect() -> None:
    """Subscribe the outbox writer to the catalogue's after-commit change hook (idempotent)."""
    from catalog.services import record_changed_subscribe

    from .outbox import on_record_changed

    record_changed_subscribe(on_record_changed, dispatch_uid="search.live.outbox")


__all__ = ["current_seq", "live_changes_prune", "live_changes_record", "live_connect"]
