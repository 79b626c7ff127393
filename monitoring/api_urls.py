"""This app's endpoints of the standard interface, included by portal/api_urls.py under /api/v1/."""

from django.urls import path

from .metrics.api import ProviderMetricsView
from .report_api import OperationReportView

urlpatterns = [
    path("provider/metrics/", ProviderMetricsView.as_view(), name="provider-metrics"),
    # reports of the nodes below, on the federation's signed channel (federation/authentication.py)
    path("federation/reports/operations/", OperationReportView.as_view(), name="federation-operation-report"),
]
