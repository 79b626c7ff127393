"""Websocket routes of every app, gathered in one list for portal.asgi."""

from django.urls import path

from changes.routing import websocket_urlpatterns as changes_websocket_urlpatterns
from monitoring.routing import websocket_urlpatterns as monitoring_websocket_urlpatterns
from portal.consumers import PingConsumer
from search.routing import websocket_urlpatterns as search_websocket_urlpatterns

websocket_urlpatterns = [
    path("ws/ping/", PingConsumer.as_asgi()),
    *changes_websocket_urlpatterns,
    *monitoring_websocket_urlpatterns,
    *search_websocket_urlpatterns,
]
