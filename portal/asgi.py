"""ASGI entry point: HTTP through Django (cached anonymous pages straight from the page cache,
portal/cache_asgi.py; cached resolution answers of other nodes' identifiers straight from the resolution
cache, portal/resolution_asgi.py), websockets through channels (served by daphne).

Once everything is imported, ``gc.freeze()`` moves the ~250,000 start-up objects out of the
collector's view. Finished requests are freed from reference cycles only by full collections, and
CPython runs those less often the more long-lived objects it tracks: without the freeze a server
taking 650 KB metric batches grew from 186 to 372 MB over 75 batches, with it to 217 MB.

Everything here is per process, and stays correct with several: the production server
(deploy/serve.sh) *spawns* its uvicorn workers, each of which imports this module itself, so each
freezes its own start-up objects, wraps its own page-cache front (entries and their invalidation
generations live in the shared cache, Redis) and starts its own per-event-loop workers (live drain,
tiles poller) on its first websocket; nothing is imported before a fork and inherited.
"""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from portal.cache_asgi import AnonymousPageCacheASGI  # noqa: E402
from portal.resolution_asgi import ResolutionCacheASGI  # noqa: E402
from portal.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": ResolutionCacheASGI(AnonymousPageCacheASGI(django_asgi_app)),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

gc.freeze()
