"""Operation monitoring (system E): metric samples, roll-ups, dashboards and reports upward.

Functions other apps may call (cheap, never raise, no database access):

- ``observe_search_latency(seconds)`` — after each compute-selection query (search engineers);
- ``websocket_connected()`` / ``websocket_disconnected()`` — in a consumer's connect/disconnect,
  for the ``node_websocket_connections`` gauge at ``/metrics``.
"""


def observe_search_latency(seconds: float) -> None:
    from .prom import SEARCH_LATENCY

    SEARCH_LATENCY.observe(max(0.0, float(seconds)))


def websocket_connected() -> None:
    from .prom import WEBSOCKET_CONNECTIONS

    WEBSOCKET_CONNECTIONS.inc()


def websocket_disconnected() -> None:
    from .prom import WEBSOCKET_CONNECTIONS

    WEBSOCKET_CONNECTIONS.dec()


__all__ = ["observe_search_latency", "websocket_connected", "websocket_disconnected"]
