"""Websocket routes of every app, gathered in one list for portal.asgi."""

from django.urls import path

from monitoring.routing import websocket_urlpatterns as monitoring_websocket_urlpatterns
from portal.consumers import PingConsumer
from search.routing import websocket_urlpatterns as search_websocket_urlpatterns

websocket_urlpatterns = [
    path("ws/ping/", PingConsumer.as_asgi()),
    *search_websocket_urlpatterns,
    *monitoring_websocket_urlpatterns,
]
