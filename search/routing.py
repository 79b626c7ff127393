"""Websocket routes of compute selection (gathered by portal.routing)."""

from django.urls import path

from search.consumers import LiveConsumer

websocket_urlpatterns = [
    path("ws/live/", LiveConsumer.as_asgi()),
]
