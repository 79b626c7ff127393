"""Websocket routes of selection (gathered by portal.routing)."""

from django.urls import path

from .consumers import SelectionConsumer

websocket_urlpatterns = [
    path("ws/select/", SelectionConsumer.as_asgi()),
]
