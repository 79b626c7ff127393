"""Django's Redis cache shares one connection pool per process (portal.cache_redis)."""

from django.core.cache.backends.redis import RedisCache

OPTIONS = {"OPTIONS": {"pool_class": "portal.cache_redis.SharedConnectionPool"}}


def pool_of(backend: RedisCache):
    return backend._cache.get_client().connection_pool  # no connection is opened


def test_every_backend_of_the_same_redis_gets_the_same_pool():
    first, second = RedisCache("redis://127.0.0.1:6390/0", OPTIONS), RedisCache("redis://127.0.0.1:6390/0", OPTIONS)
    other_database = RedisCache("redis://127.0.0.1:6390/1", OPTIONS)
    plain = RedisCache("redis://127.0.0.1:6390/0", {})
    assert first is not second and pool_of(first) is pool_of(second)
    assert pool_of(other_database) is not pool_of(first)
    assert pool_of(plain) is not pool_of(RedisCache("redis://127.0.0.1:6390/0", {}))  # Django's own: one each


def test_the_redis_settings_use_the_shared_pool():
    from tests.portal.test_settings import run

    code = "from django.conf import settings; print(settings.CACHES['default']['OPTIONS']['pool_class'])"
    result = run("portal.settings.dev", code=code, REDIS_URL="redis://cache.internal:6379/0")
    assert result.stdout.strip() == "portal.cache_redis.SharedConnectionPool", result.stderr


def test_more_callers_than_connections_wait_for_one_instead_of_failing():
    """An overloaded worker has more request threads than pool connections: a caller waits for a free
    connection (redis-py's plain pool raised MaxConnectionsError, a 500, under `make bench-load`)."""
    import os
    import threading
    import time

    import pytest

    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs a Redis server (REDIS_URL); CI's second pass has one")
    options = {"OPTIONS": {**OPTIONS["OPTIONS"], "max_connections": 1, "timeout": 5}}
    cache = RedisCache(url, options)
    pool = pool_of(cache)
    held = pool.get_connection()  # the only connection, as a busy request would hold it
    threading.Timer(0.3, pool.release, args=(held,)).start()
    started = time.monotonic()
    cache.set("cache-redis-test", "ok", 10)
    assert cache.get("cache-redis-test") == "ok"
    assert time.monotonic() - started >= 0.25  # it waited for the held connection, then succeeded
