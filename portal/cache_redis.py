"""One Redis connection pool per process for Django's cache (``CACHES`` with ``REDIS_URL``).

``django.core.cache.caches`` keeps a backend per asyncio task and per request thread under ASGI,
and every ``RedisCache`` builds its own connection pool, so each request that touched the cache
(API rate limits, identifier resolution, the page cache) opened a new connection to Redis. The
pools are thread-safe and reset themselves after a fork, so one per URL and options is enough.
"""

import threading

import redis


class SharedConnectionPool(redis.ConnectionPool):
    """``OPTIONS={"pool_class": "portal.cache_redis.SharedConnectionPool"}``: the same pool for equal settings."""

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
