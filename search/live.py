"""Live selection pages whose result depends on the reliability figure (filtered by ``min_reliability`` or
sorted by ``reliability``): when figures change, the page's own query runs again and the page is told to
refresh if the rows it shows are no longer the rows of that query (a resource fell below the floor and
left, one rose above it and entered, or the order changed).

A resource's snapshot on ``ws/live/`` only reaches rows already on the page; a resource that *enters* a
filtered page has no row there to hear of it. So each such page also opens ``ws/select/``
(search.consumers.SelectionConsumer) with its query string and the ids it shows; this topic of the live
fan-out (changes.live) hears every batch of feed rows and, when one of them is a reliability change
(kind ``reliability``, monitoring.reliability), re-runs each distinct watched query once through
``resource_search`` — the one query path of the page itself, so nothing is re-implemented here — and
pushes ``{"type": "refresh", ...}`` to the sockets whose rows differ. Figures change at most hourly
(``reliability_compute``), so this costs one search per distinct watched query per hour. Every process
handles its own sockets (each process's fan-out reads every change), so no channel-layer group is needed.
It only reads and pushes.
"""

import logging

from channels.db import database_sync_to_async

from .query import ComputeQuery
from .selectors import resource_search

logger = logging.getLogger(__name__)

TOPIC_NAME = "search.selection"
WATCHED_KINDS = frozenset({"reliability"})


def reliability_sensitive(query: ComputeQuery) -> bool:
    """Whether the rows of ``query`` depend on reliability figures (the pages this topic watches)."""
    return query.min_reliability is not None or query.sort == "reliability"


def result_ids(query: ComputeQuery) -> list[int]:
    """The ids of the rows the page of ``query`` shows now, in order."""
    return [row["id"] for row in resource_search(query=query).results]


def difference(shown: list[int], now: list[int]) -> dict | None:
    """The refresh message for a page showing ``shown`` when its query now gives ``now`` (None: no change)."""
    if shown == now:
        return None
    entered = [pk for pk in now if pk not in set(shown)]
    left = [pk for pk in shown if pk not in set(now)]
    reordered = not (entered or left)
    return {"type": "refresh", "reason": "reliability", "entered": entered, "left": left, "reordered": reordered}


class SelectionTopic:
    """The watched selection pages of this process: consumer -> (query, ids shown)."""

    def __init__(self):
        self.watchers: dict[object, tuple[ComputeQuery, list[int]]] = {}
        self.run = database_sync_to_async(self._results)

    @staticmethod
    def _results(queries: list[ComputeQuery]) -> list[list[int]]:
        return [result_ids(query) for query in queries]

    def watch(self, consumer, query: ComputeQuery, shown: list[int]) -> None:
        self.watchers[consumer] = (query, list(shown))

    def unwatch(self, consumer) -> None:
        self.watchers.pop(consumer, None)

    async def check(self, consumers=None) -> int:
        """Re-run the watched queries (of ``consumers``, default all) and tell the pages that changed; returns
        how many were told."""
        watched = [(c, self.watchers[c]) for c in (consumers or list(self.watchers)) if c in self.watchers]
        if not watched:
            return 0
        queries = list(dict.fromkeys(query for _consumer, (query, _shown) in watched))
        results = dict(zip(queries, await self.run(queries), strict=True))
        told = 0
        for consumer, (query, shown) in watched:
            message = difference(shown, results[query])
            if message is None:
                continue
            self.watchers[consumer] = (query, results[query])  # told once per change, not at every batch
            try:
                await consumer.send_json(message)
                told += 1
            except Exception:  # a socket closing meanwhile: its disconnect cleans up
                logger.debug("selection: push to a closing consumer failed", exc_info=True)
        return told

    # --- the live fan-out's topic protocol (changes.registry.live_topic_register) ---

    async def changed(self, fanout, rows) -> None:
        if self.watchers and any(row.kind in WATCHED_KINDS for row in rows):
            await self.check()

    async def tick(self, fanout) -> None:
        """Nothing to do between batches."""


TOPIC = SelectionTopic()


def selection_live_connect() -> None:
    """Register the topic with the live fan-out (SearchConfig.ready)."""
    from changes.registry import live_topic_register

    live_topic_register(TOPIC_NAME, TOPIC)
