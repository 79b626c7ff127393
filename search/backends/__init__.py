"""Search backends behind one interface, chosen by settings (SEARCH_BACKEND), never by callers."""

import threading

from django.conf import settings
from django.db import connection

from .base import SearchBackend, SearchResult

__all__ = ["SearchBackend", "SearchResult", "get_backend", "reset_backends"]

_backends: dict[tuple, SearchBackend] = {}
_lock = threading.Lock()


def get_backend() -> SearchBackend:
    """The configured backend (one per process and configuration)."""
    name = getattr(settings, "SEARCH_BACKEND", "database")
    if name == "elasticsearch":
        key = (name, settings.ELASTICSEARCH_URL, settings.SEARCH_INDEX_PREFIX)
    else:
        key = ("database", freshness_seconds())
    backend = _backends.get(key)
    if backend is None:
        with _lock:
            backend = _backends.get(key)
            if backend is None:
                backend = _backends[key] = _make(key)
    return backend


# Without SEARCH_FRESHNESS_SECONDS: how often (at most) the database backend reads the change feed
# outside transactions, per database vendor. The read only matters for writes made by other processes
# (this process's own changes reach the index through the after-commit hook at once); it costs
# ~0.05 ms on SQLite, so every search reads, and a few ms on PostgreSQL, so there at most one search
# per 100 ms does, and the next search after a commit announced by NOTIFY (changes.listen).
DEFAULT_FRESHNESS_SECONDS = {"postgresql": 0.1}


def freshness_seconds() -> float:
    configured = getattr(settings, "SEARCH_FRESHNESS_SECONDS", None)
    if configured is not None:
        return float(configured)
    return DEFAULT_FRESHNESS_SECONDS.get(connection.vendor, 0.0)


def _make(key: tuple) -> SearchBackend:
    if key[0] == "elasticsearch":
        from .elasticsearch import ElasticsearchBackend

        return ElasticsearchBackend(url=key[1])
    from .database import DatabaseBackend

    return DatabaseBackend(freshness_interval=key[1])


def active_backends() -> list[SearchBackend]:
    """Backends this process has created (indexing hooks notify each)."""
    return list(_backends.values())


def reset_backends() -> None:
    """Forget every backend and its in-process index (tests; after a database flush)."""
    with _lock:
        _backends.clear()
