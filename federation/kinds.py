"""The message kinds that travel upstream through the outbox, and what their owners want done when
one is delivered or acknowledged. Apps register their own (at ``AppConfig.ready``); the outbox
carries payloads and knows none of them.

- ``upstream_kind_register(kind, on_delivered=..., on_acknowledged=...)``:
  ``on_delivered(payload=..., response=...)`` once the node above accepted a message of ``kind``;
  ``on_acknowledged(**details)`` when the national node's acknowledgement of one arrives (for an
  identifier filing: ``identifier``, ``national_receipt``).
- ``sync_source_register(record_type, items=...)``: a record type of the change feed whose records the
  catalogue sync (sync.py) sends upward. ``items(record_ids=..., position=...)`` returns one sync item
  per record (all of the app's records when ``record_ids`` is None): ``identifier``, ``record_type``,
  ``position``, ``removed``, ``snapshot``, ``source_name``, ``source_url`` and the record's ``pk``.
"""

from collections.abc import Callable

_delivered: dict[str, list[Callable[..., None]]] = {}
_acknowledged: dict[str, list[Callable[..., None]]] = {}
_sync_sources: dict[str, Callable[..., list[dict]]] = {}


def upstream_kind_register(
    kind: str, *, on_delivered: Callable[..., None] | None = None, on_acknowledged: Callable[..., None] | None = None
) -> None:
    for hooks, hook in ((_delivered, on_delivered), (_acknowledged, on_acknowledged)):
        if hook is not None and hook not in hooks.setdefault(kind, []):
            hooks[kind].append(hook)


def kind_delivered(*, kind: str, payload: dict, response: dict) -> None:
    for hook in _delivered.get(kind, ()):
        hook(payload=payload, response=response)


def kind_acknowledged(kind: str, **details) -> None:
    for hook in _acknowledged.get(kind, ()):
        hook(**details)


def sync_source_register(record_type: str, *, items: Callable[..., list[dict]]) -> None:
    _sync_sources[record_type] = items


def sync_sources() -> dict[str, Callable[..., list[dict]]]:
    """The registered record types (in registration order) and their item builders."""
    return dict(_sync_sources)
