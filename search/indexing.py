"""Telling this process's database search backend at once that it committed catalogue changes.

The database backend follows the change feed by itself (search/backends/database/: every
process's index reads the changes committed by any process before a search); this hook of the feed
only makes the writing process read them without waiting for its next check. The Elasticsearch
index is a durable consumer of the feed run by the worker (search/elasticsearch_sync.py), so nothing
here tells it. Indexing never fails the change that triggered it: errors are logged, and
``manage.py search_reindex`` rebuilds from scratch.
"""

import logging

from .backends import active_backends

logger = logging.getLogger(__name__)


def on_feed_appended(record_type: str, record_ids: list[int], kind: str) -> None:
    """A hook of the change feed (after this process committed changes): database backends read it now."""
    for backend in active_backends():
        if backend.name != "database":
            continue
        try:
            backend.resources_changed(())  # reads the feed: the rows name what changed
        except Exception:  # the next search reads the feed anyway
            logger.exception("search: reading the change feed after a commit failed")


def connect() -> None:
    from changes.registry import local_append_hook_register

    local_append_hook_register(on_feed_appended)
