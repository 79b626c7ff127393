"""Settings for the pytest suite: same environment switches as base (DATABASE_URL, REDIS_URL)."""

import os

from .base import *  # noqa: F403
from .base import CHANNEL_LAYERS, STORAGES

DEBUG = False
SECRET_KEY = "test-insecure-key-not-a-secret"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    **STORAGES,
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "private": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

# Each test clears the cache (tests/conftest.py); on Redis that would flush the database the
# channel layer shares with other pytest-xdist workers, so tests keep a per-process cache.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The anonymous page cache is off in tests (data made by factories skips its invalidation hooks);
# tests/portal/test_caching.py turns it on.
PORTAL_PAGE_CACHE_SECONDS = 0
# pytest-xdist workers share one Redis in CI: give each its own channel-layer prefix.
if "CONFIG" in CHANNEL_LAYERS["default"]:
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"

# Unit tests run tasks where they are enqueued (Wagtail's too); the "database" backend is the real
# queue of `make run` and production, which tests/portal/test_worker.py drains with the real worker.
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
}
# No listener thread holding a connection to the test database (tests/changes/test_listen.py starts one;
# make bench-staleness sets CHANGES_LISTEN=1 for its processes, as production has it).
CHANGES_LISTEN = os.environ.get("CHANGES_LISTEN", "0") == "1"
# No flush timer thread in unit tests (tests/monitoring/test_worker_rollups.py turns it on).
METRICS_REQUEST_FLUSH_SECONDS = 0

# The development-only access hand-off key (orders/access.py DEV_KEY); tests/orders rotate their own.
ORDER_ACCESS_KEYS = ["ZGV2LW9ubHktb3JkZXItYWNjZXNzLWtleS0wMDAwMDA="]
# The development-only key sealing the nodes' private signing keys (federation.checks.DEV_SEALING_KEY).
FEDERATION_SEALING_KEYS = ["ZGV2LW9ubHktbm9kZS1zZWFsaW5nLWtleS0wMDAwMDA="]
