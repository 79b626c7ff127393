"""What invalidates the anonymous page cache (portal.caching): the change feed, read by every process.

Every catalogue write appends its changes to the feed in its own transaction (changes/), and so do
Wagtail publishing, unpublishing, moves and deletions and saved campaigns (guides read them): the
receivers below append a ``page`` change, inside the publisher's transaction where there is one.

Each process follows the feed with its own reader and bumps the generations of its cache when it
reads a change (portal.cache_generations): a change of only a record's live figures (a status PATCH,
capacity taken by holds and orders) bumps that record's token and the ``live`` counter, so only the
pages that show the record (its page, the lists it is on) and the lists ordered or filtered by live
figures are dropped; any other catalogue change (descriptions, listings, identifiers, sites,
providers) bumps ``catalog``; pages and campaigns bump ``pages``. So a change made by any process
(another web worker, an import, a command) drops the pages of every process within a poll, without
Redis:

- under ASGI the reader is a topic of the live fan-out (changes.live), which the first cacheable
  request keeps running for the life of the process (``feed_follow``), reading every
  ``LIVE_IDLE_POLL_SECONDS`` (``LIVE_POLL_SECONDS`` while a websocket is open in the process);
- in a process without an event loop (WSGI, the test client) the middleware reads the feed before
  a cacheable request, at most every ``PORTAL_CACHE_FEED_SECONDS`` (default 0.1 s);
- the process that made a change drops its own pages as soon as it commits (a hook of the feed).
"""

import asyncio
import logging
import threading
import time
import weakref
from typing import NamedTuple

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import transaction

from catalog.snapshots import LIVE_CHANGE_KINDS, RECORD_TYPES
from changes.registry import live_topic_register, local_append_hook_register
from changes.selectors import FeedReader
from changes.services import change_append
from portal.cache_generations import LIVE, generations_set, records_bump

logger = logging.getLogger(__name__)

PAGE = "page"
CAMPAIGN = "campaign"
NOT_CATALOGUE = frozenset({PAGE, CAMPAIGN, "tiles"})


def changes_invalidate(changes) -> None:
    """Drop what these changes made stale. ``changes``: rows of the feed (``record_type``,
    ``record_id``, ``kind``, ``seq``: None for a change this process just committed)."""
    names: set[str] = set()
    records: dict[str, int | None] = {}
    for change in changes:
        if change.record_type in (PAGE, CAMPAIGN):
            names.add("pages")
        elif change.record_type in NOT_CATALOGUE:
            continue
        elif change.record_type in RECORD_TYPES and change.kind in LIVE_CHANGE_KINDS:
            key = f"{change.record_type}:{change.record_id}"
            if change.seq is None or (key in records and records[key] is None):
                records[key] = None  # bump it whatever its token holds
            else:
                records[key] = max(records.get(key) or 0, change.seq)
        else:
            names.add("catalog")
    if names:
        generations_set(sorted(names))
    if records:
        records_bump(records)


class _Appended(NamedTuple):
    record_type: str
    record_id: int
    kind: str
    seq: None = None


class PageCacheTopic:
    """The page cache as a topic of the live fan-out: it pushes nothing, it drops entries."""

    async def changed(self, fanout, rows) -> None:
        await sync_to_async(changes_invalidate, thread_sensitive=False)(rows)

    async def tick(self, fanout) -> None:
        return None


_followed: "weakref.WeakSet[asyncio.AbstractEventLoop]" = weakref.WeakSet()  # loops whose fan-out runs for good


def feed_follow() -> None:
    """From the ASGI front / async middleware: keep this loop's fan-out (and its reader) running."""
    from changes.live import live_follow

    loop = asyncio.get_running_loop()
    if loop not in _followed:
        _followed.add(loop)
        live_follow()  # the process follows the feed from now on


class _SyncFollower:
    """The reader of a process that serves without an event loop."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reader: FeedReader | None = None
        self.checked = 0.0

    def check(self) -> None:
        from changes.live import live_following

        if live_following():  # (a sync middleware under ASGI: the process's fan-out reads the feed)
            return
        interval = float(getattr(settings, "PORTAL_CACHE_FEED_SECONDS", 0.1))
        if time.monotonic() - self.checked < interval or not self.lock.acquire(blocking=False):
            return
        try:
            self.checked = time.monotonic()
            if self.reader is None:
                self.reader = FeedReader.from_now()
                return
            rows = self.reader.read(limit=10_000)
            if rows is None:  # fell behind the feed: drop everything
                self.reader = FeedReader.from_now()
                generations_set(["catalog", "pages", LIVE])
            elif rows:
                changes_invalidate(rows)
        except Exception:  # the page is still served; the TTL bounds what is missed
            logger.exception("page cache: reading the change feed failed")
        finally:
            self.lock.release()

    def appended(self, record_type: str, record_ids, kind: str) -> None:
        """This process committed changes: drop its pages at once (other processes read the feed)."""
        changes_invalidate(_Appended(record_type, record_id, kind) for record_id in record_ids)


_sync = _SyncFollower()
feed_check = _sync.check


def feed_reader_reset() -> None:
    """Start this process's (event-loop-less) reader at the current end of the feed (tests)."""
    with _sync.lock:
        _sync.reader = FeedReader.from_now()
        _sync.checked = 0.0


def _page_changed(sender=None, instance=None, **kwargs) -> None:
    record_id = getattr(instance, "pk", None) or 0
    record_type = CAMPAIGN if sender is not None and sender.__name__ == "Campaign" else PAGE
    with transaction.atomic():  # (a savepoint inside the publisher's transaction)
        change_append(record_type=record_type, record_id=record_id, kind="published")


def connect() -> None:
    from django.db.models.signals import post_delete, post_save
    from wagtail.models import Page
    from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

    from workflows.node_application.models import Campaign

    live_topic_register("portal.page_cache", PageCacheTopic())
    local_append_hook_register(_sync.appended)
    for signal in (page_published, page_unpublished, page_slug_changed, post_page_move):
        signal.connect(_page_changed, dispatch_uid=f"portal-page-cache-{id(signal)}")
    post_delete.connect(_page_changed, sender=Page, dispatch_uid="portal-page-cache-page-delete")
    post_save.connect(_page_changed, sender=Campaign, dispatch_uid="portal-page-cache-campaign")
