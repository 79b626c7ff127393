"""One bounded Redis connection pool per process for Django's cache (``CACHES`` with ``REDIS_URL``).

``django.core.cache.caches`` keeps a backend per asyncio task and per request thread under ASGI,
and every ``RedisCache`` builds its own connection pool, so each request that touched the cache
(API rate limits, identifier resolution, the page cache) opened a new connection to Redis. The
pools are thread-safe and reset themselves after a fork, so one per URL and options is enough.

The pool blocks: under ASGI every waiting request holds a thread, and an overloaded worker has more
threads than redis-py's default pool (100 connections) allows, which then raised
``MaxConnectionsError`` and answered 500 (seen under `make bench-load`). A request now waits up to
``timeout`` seconds for a free connection instead; Redis is never asked for more than
``max_connections`` connections per process.
"""

import threading

import redis


class SharedConnectionPool(redis.BlockingConnectionPool):
    """``OPTIONS={"pool_class": "portal.cache_redis.SharedConnectionPool", "max_connections": N, "timeout": s}``:
    the same pool for equal settings."""

    _pools: dict = {}
    _lock = threading.Lock()

    @classmethod
    def from_url(cls, url, **kwargs):
        key = (url, repr(sorted(kwargs.items())))
        with cls._lock:
            pool = cls._pools.get(key)
            if pool is None:
                pool = cls._pools[key] = super().from_url(url, **kwargs)
        return pool
