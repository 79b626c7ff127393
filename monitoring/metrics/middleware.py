"""Counts every request for ``/metrics`` and API requests (``/api/``) for the platform metrics (flow 8)."""

import time

from .prom import REQUEST_LATENCY
from .requests import request_observe


def _route(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None and match.view_name:
        return match.view_name
    return "unmatched"


class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        seconds = time.perf_counter() - started
        route = _route(request)
        status = getattr(response, "status_code", 500)
        REQUEST_LATENCY.labels(request.method, route, str(status)).observe(seconds)
        if request.path_info.startswith("/api/v1/"):
            request_observe(route=route, method=request.method, status=status, seconds=seconds)
        return response
