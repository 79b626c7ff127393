"""This app's endpoints of the standard interface, included by portal/api_urls.py under /api/v1/."""

from django.urls import path

from .metrics.api import ProviderMetricsView

urlpatterns = [
    path("provider/metrics/", ProviderMetricsView.as_view(), name="provider-metrics"),
]
