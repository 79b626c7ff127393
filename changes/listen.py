"""Waking the feed's readers when a writer commits: PostgreSQL ``LISTEN``/``NOTIFY``.

On PostgreSQL every append issues ``NOTIFY`` on ``CHANNEL`` inside the writer's transaction
(changes.services): the server delivers it when the transaction commits, and never when it rolls
back. ``FeedSignal`` listens on a connection of its own in a daemon thread and counts what it
hears; a reader notes the count before it reads (``heard``) and reads again as soon as the count
moved (``moved_since``), instead of waiting for its next poll.

A hint, never the source of truth: what a reader delivers is decided by ``FeedReader``'s rules
(changes.selectors: a late lower sequence number is never skipped), and readers keep polling (the
fallback), so a lost notification costs latency, not a change. The count also moves when the
listener (re)connects (what committed while it was away), and ``listening`` is False while it is
not connected.

One signal per process (``feed_signal``), started on first use, on PostgreSQL only and with
``CHANGES_LISTEN`` on (the default; off in the test settings, where tests start one themselves).
SQLite has no notifications: readers there poll, as before.
"""

import logging
import os
import threading

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)

CHANNEL = "changes_feed"
RECONNECT_SECONDS = 1.0
WAIT_SECONDS = 1.0  # how long one wait for notifications lasts (how soon ``stop`` is noticed)


class FeedSignal:
    """Counts the commits announced on ``CHANNEL`` (see the module doc)."""

    def __init__(self):
        self.count = 0
        self.listening = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._connected = threading.Event()

    def start(self) -> "FeedSignal":
        """Start listening (once per process: a forked child starts its own thread)."""
        if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
            return self
        self._pid = os.getpid()
        self._stop.clear()
        self._connected.clear()
        params = connection.get_connection_params()  # (the database this process uses, tests' included)
        self._thread = threading.Thread(target=self._run, args=(params,), name="changes-listen", daemon=True)
        self._thread.start()
        return self

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(WAIT_SECONDS * 3)
        self._thread = None
        self.listening = False

    def heard(self) -> int:
        """The count now: note it before reading the feed."""
        return self.count

    def moved_since(self, heard: int) -> bool:
        """Whether a commit was announced (or the listener reconnected) since ``heard``."""
        return self.count != heard

    def _run(self, params: dict) -> None:
        while not self._stop.is_set():
            raw = None
            try:
                raw = connection.Database.connect(**params, autocommit=True)  # (psycopg; never a pooled one)
                raw.execute(f"LISTEN {CHANNEL}")
                self.listening = True
                self.count += 1  # what committed while no one listened
                self._connected.set()
                while not self._stop.is_set():
                    for _notify in raw.notifies(timeout=WAIT_SECONDS):
                        self.count += 1
                        if self._stop.is_set():
                            break
            except Exception:  # the server went away: poll meanwhile, listen again soon
                logger.warning("changes: listening for feed commits failed; retrying", exc_info=True)
                self.listening = False
                self._stop.wait(RECONNECT_SECONDS)
            finally:
                self.listening = False
                if raw is not None:
                    raw.close()


_signal = FeedSignal()
_lock = threading.Lock()


def feed_signal() -> FeedSignal | None:
    """This process's signal, listening (None on SQLite or with ``CHANGES_LISTEN`` off)."""
    if connection.vendor != "postgresql" or not getattr(settings, "CHANGES_LISTEN", True):
        return None
    with _lock:
        return _signal.start()
