"""Websocket routes of operation monitoring (gathered by portal.routing)."""

from django.urls import path

from .consumers import TilesConsumer
from .dashboards import TILES_SOCKET_PATH

websocket_urlpatterns = [
    path(TILES_SOCKET_PATH.lstrip("/"), TilesConsumer.as_asgi()),
]
