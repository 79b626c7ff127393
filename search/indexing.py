"""Telling this process's search backends at once that the catalogue changed, after commit.

The database backend follows the change feed by itself (search/backends/database/: every
process's index reads the changes committed by any process); this hook only makes the writing
process read them without waiting for its next search. The Elasticsearch backend is told here
which resources to re-index (it has no feed reader yet: a durable feed consumer run by the worker
is its next step). Indexing never fails the change that triggered it: errors are logged, and
``manage.py search_reindex`` rebuilds from scratch.
"""

import logging

from catalog.models import ComputeResource, NetworkLine

from .backends import active_backends, get_backend

logger = logging.getLogger(__name__)


def resources_reindex(*, ids) -> None:
    """Re-read these resources into every index this process keeps (a batch in one go)."""
    ids = tuple(ids)
    if not ids:
        return
    backends = {id(backend): backend for backend in (get_backend(), *active_backends())}
    for backend in backends.values():
        try:
            backend.resources_changed(ids)
        except Exception:  # the change is committed; the index catches up on the next rebuild
            logger.exception("search: reindexing %d resource(s) on %s failed", len(ids), backend.name)


def on_record_changed(sender, record_ids=(), **kwargs) -> None:
    """Receiver of catalog's record_changed (already after commit)."""
    if sender is ComputeResource:
        resources_reindex(ids=record_ids)
    elif sender is NetworkLine:
        for backend in active_backends():
            backend.lines_changed()


def connect() -> None:
    from catalog.services import record_changed_subscribe

    record_changed_subscribe(on_record_changed, dispatch_uid="search.indexing.record_changed")
