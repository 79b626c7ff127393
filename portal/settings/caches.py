"""Caches, imported by base.py."""

import environ

_env = environ.Env()

# Shared by every process through Redis when there is one (API rate limits and identifier
# resolution must count across workers); per-process memory otherwise. One connection pool per
# process (portal/cache_redis.py): Django makes a cache backend per request under ASGI.
#
# The anonymous page cache (portal/caching.py) has its own alias "pages", so that visitors filling it
# cannot evict rate-limit counters or lockout state. Its memory is bounded: at most
# PORTAL_PAGE_CACHE_MAX_ENTRIES entries (locmem culls the least recently used third when full) of at
# most PORTAL_PAGE_CACHE_MAX_ENTRY_BYTES each (larger pages are not stored), i.e. 2,000 × 256 KiB =
# 500 MiB at worst per process (typical pages are 20-60 KiB); with Redis, the server's maxmemory
# (with an LRU policy) bounds it. Query parameters no cached page reads never create entries.
PORTAL_PAGE_CACHE_MAX_ENTRIES = _env.int("PORTAL_PAGE_CACHE_MAX_ENTRIES", default=2000)
PORTAL_PAGE_CACHE_MAX_ENTRY_BYTES = _env.int("PORTAL_PAGE_CACHE_MAX_ENTRY_BYTES", default=256 * 1024)
# Every query parameter a cached page reads (the catalogue's and the notice list's filters, paging);
# tests/portal/test_page_cache_bounds.py checks the list against the pages' forms.
PORTAL_PAGE_CACHE_PARAMS = frozenset(
    {"page", "year", "authority", "kind", "resource_class", "province", "provider", "state", "q", "sort", "resale"}
    # the content API's filters (/api/v1/content/pages/, cached like the pages)
    | {"type", "locale", "child_of", "descendant_of", "order", "fields", "limit", "offset", "search"}
)
_REDIS_URL = _env.str("REDIS_URL", default="")
if _REDIS_URL:
    _REDIS_CACHE = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": _REDIS_URL,
        "OPTIONS": {
            "pool_class": "portal.cache_redis.SharedConnectionPool",
            # per process; a request waits up to REDIS_POOL_TIMEOUT s for a free connection (portal/cache_redis.py)
            "max_connections": _env.int("REDIS_MAX_CONNECTIONS", default=50),
            "timeout": _env.int("REDIS_POOL_TIMEOUT", default=10),
        },
    }
    CACHES = {"default": _REDIS_CACHE, "pages": {**_REDIS_CACHE, "KEY_PREFIX": "pages"}}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 20_000}},
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "pages",
            "OPTIONS": {"MAX_ENTRIES": PORTAL_PAGE_CACHE_MAX_ENTRIES, "CULL_FREQUENCY": 3},
        },
    }
