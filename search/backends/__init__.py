"""Search backends behind one interface, chosen by settings (SEARCH_BACKEND), never by callers."""

import threading

from django.conf import settings

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
        key = ("database", getattr(settings, "SEARCH_FRESHNESS_SECONDS", 0.0))
    backend = _backends.get(key)
    if backend is None:
        with _lock:
            backend = _backends.get(key)
            if backend is None:
                backend = _backends[key] = _make(key)
    return backend


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
