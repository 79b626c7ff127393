"""``/metrics`` (Prometheus) of the operation monitoring (system E); the dashboards are in dashboards.py."""

import hmac

from django.conf import settings
from django.http import Http404, HttpResponse


def prometheus_metrics(request):
    """``/metrics`` for Prometheus: ``Authorization: Bearer <METRICS_SCRAPE_TOKEN>``, or a signed-in
    node operator. Everyone else gets 404 (the endpoint does not exist for them)."""
    from prometheus_client import CONTENT_TYPE_LATEST

    from .metrics.prom import render as render_metrics

    token = settings.METRICS_SCRAPE_TOKEN
    scheme, _sep, presented = request.headers.get("Authorization", "").partition(" ")
    by_token = bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(presented.strip(), token)
    by_login = request.user.is_authenticated and request.user.has_perm("monitoring.scrape_metrics")
    if not (by_token or by_login):
        raise Http404
    return HttpResponse(render_metrics(), content_type=CONTENT_TYPE_LATEST)
