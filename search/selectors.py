"""Reads of compute selection: one entry point, the configured backend behind it."""

import time

from monitoring.metrics import observe_search_latency

from .backends import SearchResult, get_backend
from .query import ComputeQuery


def resource_search(*, query: ComputeQuery) -> SearchResult:
    """Published compute resources matching ``query``: one page of hits, the count and the facets."""
    started = time.perf_counter()
    result = get_backend().search(query)
    observe_search_latency(time.perf_counter() - started)
    return result
