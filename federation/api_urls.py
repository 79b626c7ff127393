"""Federation endpoints (filings and reports received by a national node), under /api/v1/."""

from django.urls import path

from .api import IdentifierFilingView
from .reports import OperationReportView

urlpatterns = [
    path("federation/filings/identifiers/", IdentifierFilingView.as_view(), name="federation-identifier-filing"),
    path("federation/reports/operations/", OperationReportView.as_view(), name="federation-operation-report"),
]
