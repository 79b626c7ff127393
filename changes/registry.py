"""What the apps that own records and consumers tell the feed (at ``AppConfig.ready``).

The feed knows no app's internals; an app registers:

- ``snapshot_builder_register(record_type, build)``: ``build(record_ids=...) -> {id: snapshot}``, the
  record's current snapshot, for changes appended without one (bulk imports) and for clients that
  catch up after the feed was pruned;
- ``live_topic_register(name, topic)``: the live fan-out (changes.live) hands every batch of new
  changes to each topic in its process (``await topic.changed(fanout, rows)``, and
  ``await topic.tick(fanout)`` every poll): the monitoring tiles recompute their figures, the page
  cache drops entries;
- ``live_socket_hooks_register(opened=..., closed=...)``: called as a ``ws/live/`` socket opens and
  closes (the node's gauge of open websockets);
- ``local_append_hook_register(hook)``: ``hook(record_type, record_ids, kind)`` after this process
  committed changes it appended (a hint: other processes find them at their next read of the feed).
"""

from collections.abc import Callable, Iterable

SnapshotBuilder = Callable[..., dict[int, dict]]

_builders: dict[str, SnapshotBuilder] = {}
_live_topics: dict[str, object] = {}
LocalAppendHook = Callable[[str, list[int], str], None]
_local_append_hooks: list[LocalAppendHook] = []
_live_socket_hooks: list[tuple[Callable[[], None], Callable[[], None]]] = []


def snapshot_builder_register(record_type: str, build: SnapshotBuilder) -> None:
    _builders[record_type] = build


def snapshot_builders() -> dict[str, SnapshotBuilder]:
    return dict(_builders)


def snapshots_build(*, record_type: str, record_ids: Iterable[int]) -> dict[int, dict]:
    """Current snapshots of these records ({} for a record type nobody registered)."""
    build = _builders.get(record_type)
    return build(record_ids=record_ids) if build is not None else {}


def live_topic_register(name: str, handler: object) -> None:
    """``handler`` follows changes.live.LiveTopic: ``attach``/``detach`` sockets, ``changed(rows)``."""
    _live_topics[name] = handler


def live_topics() -> dict[str, object]:
    return dict(_live_topics)


def local_append_hook_register(hook: LocalAppendHook) -> None:
    if hook not in _local_append_hooks:
        _local_append_hooks.append(hook)


def local_append_hooks() -> list[LocalAppendHook]:
    return list(_local_append_hooks)


def live_socket_hooks_register(*, opened: Callable[[], None], closed: Callable[[], None]) -> None:
    if (opened, closed) not in _live_socket_hooks:
        _live_socket_hooks.append((opened, closed))


def live_socket_hooks() -> list[tuple[Callable[[], None], Callable[[], None]]]:
    return list(_live_socket_hooks)
