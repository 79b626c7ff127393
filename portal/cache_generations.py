"""Generations of the anonymous page cache (portal.caching): what a stored page is checked against.

Two kinds of tokens live in the page cache next to the entries:

- one *generation* per dependency a page may name (infra.cacheable.DEPENDENCIES): ``pages`` (published
  content, campaigns), ``catalog`` (the catalogue apart from records' live figures) and ``live`` (the live
  figures of any record: pages whose choice or order of records follows them, e.g. the catalogue sorted by
  price). They are read before a page is rendered and stored with it; a page is valid while each still
  holds that value. ``live`` is a counter (it starts from the clock and is only ever incremented), the
  others a clock reading;
- one *record token* per record whose live figures (available units, price, running state, capacity
  taken) a page shows (``resource:12``, the record's key in the change feed and the live updates). A
  status change of record X bumps X's token and the ``live`` counter, nothing else: the record's page and
  the lists that show it are dropped, every other page stays.

A page learns which records it shows only while it renders, so their tokens are read after the render.
That is safe because a bump first increments ``live`` and then writes the record's token as
``(seq, live after the increment)``: a token whose counter is at most the ``live`` value read *before*
the render was written by a bump that started before the render read the database, i.e. after the
change committed — the render saw it. A token with a larger counter may belong to a change the render
missed: the page is served but not stored. A missing token or generation (never written, or evicted)
counts as changed; a record token that is missing is created as "never changed" before the page is
stored (a key written within the last render is the most recently used one: an LRU cache keeps it).

Every process bumps from the change feed (portal.cache_invalidation), and with Redis they share the
tokens: a token already holding the change's sequence number is left alone, so one change drops the
pages once, not once per process.
"""

import time

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches

from infra.cacheable import DEPENDENCIES

PAGE_CACHE_ALIAS = "pages"  # its own bounded cache when configured (settings/caches.py), else the default one
GENERATION_PREFIX = "portal-gen:"
GENERATION_KEYS = {name: GENERATION_PREFIX + name for name in DEPENDENCIES}
LIVE = "live"
RECORD_PREFIX = GENERATION_PREFIX + "record:"
NEVER_CHANGED = (0, 0)
_CLOCK_FLOOR = 10**15  # a counter below this did not start from the clock (recreated by INCR): restart it

_backend: tuple[object, object] = (None, None)


def page_cache():
    """One backend for the whole process: ``django.core.cache.cache`` is made afresh for every asyncio
    task (every request) under ASGI. Same storage as ``cache`` (the Redis server, or locmem's
    process-wide dict); made again when settings.CACHES is replaced, as tests do."""
    global _backend
    configured, backend = _backend
    if configured is not settings.CACHES or backend is None:
        alias = PAGE_CACHE_ALIAS if PAGE_CACHE_ALIAS in settings.CACHES else DEFAULT_CACHE_ALIAS
        backend = caches.create_connection(alias)
        _backend = (settings.CACHES, backend)
    return backend


def generations_read() -> dict[str, int]:
    """Every dependency's current generation; a missing one is created (so an evicted key never
    brings an older entry back to life)."""
    cache = page_cache()
    found = cache.get_many(list(GENERATION_KEYS.values()))
    missing = [key for key in GENERATION_KEYS.values() if key not in found]
    if missing:
        for key in missing:
            cache.add(key, time.time_ns(), None)
        found.update(cache.get_many(missing))
    return {name: found.get(key) for name, key in GENERATION_KEYS.items()}


def live_advance() -> int:
    """Increment the ``live`` counter; its new value."""
    cache = page_cache()
    key = GENERATION_KEYS[LIVE]
    try:
        value = cache.incr(key)
    except ValueError:  # missing: start from the clock, above every value it ever had
        cache.add(key, time.time_ns(), None)
        value = cache.incr(key)
    if value < _CLOCK_FLOOR:
        value = time.time_ns()
        cache.set(key, value, None)
    return value


def generations_set(names) -> None:
    """Drop every page that depends on one of ``names``."""
    names = set(names)
    if LIVE in names:
        names.discard(LIVE)
        live_advance()
    if names:
        page_cache().set_many({GENERATION_KEYS[name]: time.time_ns() for name in names}, None)


def record_token_key(record_key: str) -> str:
    return RECORD_PREFIX + record_key


def records_bump(latest: dict[str, int | None]) -> int:
    """Records' live figures changed: ``latest`` maps each record key to the sequence number of its
    newest change read from the feed (None: this process just committed it and does not know it).
    Returns how many tokens were written."""
    cache = page_cache()
    keys = {record_token_key(record): seq for record, seq in latest.items()}
    known = [key for key, seq in keys.items() if seq is not None]
    current = cache.get_many(known) if known else {}
    due = {}
    for key, seq in keys.items():
        token = current.get(key)
        if seq is None or not (isinstance(token, tuple) and token[0] == seq):
            due[key] = seq or 0
    if due:
        counter = live_advance()  # before the tokens: see the module doc
        cache.set_many({key: (seq, counter) for key, seq in due.items()}, None)
    return len(due)


def record_tokens_for_store(record_keys, *, live_before: int | None) -> dict[str, tuple] | None:
    """The tokens to store with a page that shows these records, read after it rendered; None when one
    of them may have changed after the render read the database (the page must not be stored)."""
    if live_before is None:
        return None
    cache = page_cache()
    names = {record: record_token_key(record) for record in record_keys}
    found = cache.get_many(list(names.values()))
    missing = [name for name in names.values() if name not in found]
    if missing:
        for name in missing:
            cache.add(name, NEVER_CHANGED, None)
        found.update(cache.get_many(missing))
    tokens = {}
    for record, name in names.items():
        token = found.get(name)
        if not isinstance(token, tuple) or token[1] > live_before:
            return None
        tokens[record] = token
    return tokens


def record_tokens_current(tokens: dict[str, tuple]) -> bool:
    """Whether every record token a stored page saw still holds."""
    names = {record: record_token_key(record) for record in tokens}
    found = page_cache().get_many(list(names.values()))
    return all(found.get(name) == tokens[record] for record, name in names.items())
