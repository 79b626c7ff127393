"""Warming the selection index in an ASGI server process, so that no user query pays its build.

The database backend's in-process index takes seconds to build at a million resources (and the
first query of each sort would sort every row). ``SearchConfig.ready()`` connects
``on_request_started`` to Django's ``request_started``: the first request that Django's ASGI
handler serves in a process (daphne or uvicorn serving ``portal.asgi``) starts ONE background
thread that builds the index and what its first queries would otherwise build
(``DatabaseBackend.warm()``: sort orders, ranks, the text and site groupings), then closes its
database connection; the receiver disconnects itself after that first request. A search arriving
during the warm-up waits for it (the backend's lock) instead of building a second index.

After the warm-up the process's objects are moved out of the garbage collector's sight
(``freeze_long_lived``): the index and everything Django loaded live as long as the process, and
without this every full collection walks them all again (~300,000 objects: ~0.15 s of CPU, set off
by the allocations of a large catch-up from the change feed, i.e. inside the staleness of a bulk
import's changes; measured by ``make bench-staleness``). Objects freed later are still freed by
reference counting; only cycles among the frozen ones would stay.

Nothing is started in ``manage.py`` commands (they serve no ASGI requests), for the test client
(its handlers are not the ASGI handler), under Django's test environment (pytest-django and
``manage.py test`` set ``mail.outbox`` up), with ``SEARCH_WARM_UP = False``, or on a backend without
``warm`` (Elasticsearch).
"""

import gc
import logging
import threading

from django.conf import settings
from django.core import mail
from django.core.handlers.asgi import ASGIHandler
from django.core.signals import request_started
from django.db import connection

logger = logging.getLogger(__name__)

DISPATCH_UID = "search.warmup"
_lock = threading.Lock()
_started = False


def connect() -> None:
    request_started.connect(on_request_started, dispatch_uid=DISPATCH_UID)


def on_request_started(sender, **kwargs) -> None:
    if not (isinstance(sender, type) and issubclass(sender, ASGIHandler)):
        return
    request_started.disconnect(dispatch_uid=DISPATCH_UID)
    warm_up_in_background()


def warm_up_in_background(*, force: bool = False) -> threading.Thread | None:
    """Start the warm-up thread once per process (``force``: also under the test environment)."""
    global _started
    with _lock:
        if _started:
            return None
        if not force and (not getattr(settings, "SEARCH_WARM_UP", True) or hasattr(mail, "outbox")):
            return None
        _started = True
    thread = threading.Thread(target=_warm, name="search-warm-up", daemon=True)
    thread.start()
    return thread


def _warm() -> None:
    from .backends import get_backend

    try:
        backend = get_backend()
        warm = getattr(backend, "warm", None)
        if warm is not None:
            warm()
            freeze_long_lived()
            logger.info("search: %s index warmed up", backend.name)
    except Exception:  # the first search builds it instead
        logger.exception("search: warming the index up failed")
    finally:
        connection.close()


def freeze_long_lived() -> None:
    """Collect once, then keep the survivors (the warmed index, Django's modules and settings) out
    of every later collection (``gc.freeze``; see the module doc)."""
    gc.collect()
    gc.freeze()


def reset() -> None:
    """Forget that the warm-up ran (tests)."""
    global _started
    with _lock:
        _started = False
