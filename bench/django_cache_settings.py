"""Settings for `make bench-pages`' configuration (c): Django's own per-site cache middleware
(``UpdateCacheMiddleware`` first, ``FetchFromCacheMiddleware`` last, as Django's docs place them),
the home-made anonymous page cache (portal.caching, portal.cache_asgi) off. Used only by the bench.
"""

from portal.settings.dev import *  # noqa: F403
from portal.settings.dev import MIDDLEWARE

PORTAL_PAGE_CACHE_SECONDS = 0  # portal.caching and portal.cache_asgi pass every request through
MIDDLEWARE = [
    "django.middleware.cache.UpdateCacheMiddleware",
    *(name for name in MIDDLEWARE if name != "portal.caching.AnonymousPageCacheMiddleware"),
    "django.middleware.cache.FetchFromCacheMiddleware",
]
CACHE_MIDDLEWARE_ALIAS = "pages"
CACHE_MIDDLEWARE_SECONDS = 60  # as long as the home-made layer keeps catalogue pages
CACHE_MIDDLEWARE_KEY_PREFIX = "site"
