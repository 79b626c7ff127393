"""What invalidates the anonymous page cache (portal.caching): the change feed, read by every process.

Every catalogue write appends its changes to the feed in its own transaction (changes/), and so do
Wagtail publishing, unpublishing, moves and deletions and saved campaigns (guides read them): the
receivers below append a ``page`` change, inside the publisher's transaction where there is one.

Each process follows the feed with its own reader and bumps the generations of its cache when it
reads a change: ``catalog`` for any catalogue record (records, sites, providers, identifiers),
``pages`` for pages and campaigns. So a change made by any process (another web worker, an import,
a command) drops the pages of every process within a poll, without Redis:

- under ASGI the reader is a topic of the live fan-out (changes.live), which the first cacheable
  request keeps running for the life of the process (``feed_follow``), reading every
  ``LIVE_POLL_SECONDS``;
- in a process without an event loop (WSGI, the test client) the middleware reads the feed before
  a cacheable request, at most every ``PORTAL_CACHE_FEED_SECONDS`` (default 0.1 s);
- the process that made a change drops its own pages as soon as it commits (a hook of the feed).
"""

import asyncio
import logging
import threading
import time
import weakref

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import transaction

from changes.registry import live_topic_register, local_append_hook_register
from changes.selectors import FeedReader
from changes.services import change_append
from portal.cache_entries import generations_set

logger = logging.getLogger(__name__)

PAGE = "page"
CAMPAIGN = "campaign"
NOT_CATALOGUE = frozenset({PAGE, CAMPAIGN, "tiles"})


def generations_for(rows) -> set[str]:
    names = set()
    for row in rows:
        if row.record_type in (PAGE, CAMPAIGN):
            names.add("pages")
        elif row.record_type not in NOT_CATALOGUE:
            names.add("catalog")
    return names


class _Appended:
    def __init__(self, record_type: str):
        self.record_type = record_type


class PageCacheTopic:
    """The page cache as a topic of the live fan-out: it pushes nothing, it drops entries."""

    async def changed(self, fanout, rows) -> None:
        names = generations_for(rows)
        if names:
            await sync_to_async(generations_set, thread_sensitive=False)(sorted(names))

    async def tick(self, fanout) -> None:
        return None


_followed: "weakref.WeakSet[asyncio.AbstractEventLoop]" = weakref.WeakSet()  # loops whose fan-out runs for good


def feed_follow() -> None:
    """From the ASGI front / async middleware: keep this loop's fan-out (and its reader) running."""
    from changes.live import live_attach

    loop = asyncio.get_running_loop()
    if loop not in _followed:
        _followed.add(loop)
        live_attach()  # never detached: the process follows the feed from now on


class _SyncFollower:
    """The reader of a process that serves without an event loop."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reader: FeedReader | None = None
        self.checked = 0.0

    def check(self) -> None:
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
                generations_set(["catalog", "pages"])
            elif rows:
                names = generations_for(rows)
                if names:
                    generations_set(sorted(names))
        except Exception:  # the page is still served; the TTL bounds what is missed
            logger.exception("page cache: reading the change feed failed")
        finally:
            self.lock.release()

    def appended(self, record_type: str) -> None:
        """This process committed a change: drop its pages at once (other processes read the feed)."""
        generations_set(sorted(generations_for([_Appended(record_type)])))


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
