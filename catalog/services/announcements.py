"""The catalogue's one after-commit hook: subscribe to it, announce through it (see catalog.signals)."""

from collections.abc import Callable, Iterable

from django.db import transaction

from ..signals import record_changed


def record_changed_subscribe(receiver: Callable[..., None], *, dispatch_uid: str | None = None) -> None:
    """Subscribe to "a published record changed" (called after commit; see catalog.signals)."""
    record_changed.connect(receiver, weak=False, dispatch_uid=dispatch_uid)


def records_changed_announce(
    *, model: type, record_ids: Iterable[int], change: str, fields: tuple[str, ...] = ()
) -> None:
    """Tell subscribers (search indexing, live updates) after commit that these records changed."""
    ids = tuple(record_ids)
    transaction.on_commit(lambda: record_changed.send(sender=model, record_ids=ids, change=change, fields=fields))
