"""Federation endpoints (enrolment, filings and reports received from the nodes below), under /api/v1/."""

from django.urls import path

from .api import EnrolView, FilingStateView, FilingStatusView, IdentifierFilingView
from .reports import OperationReportView
from .sync_receive import SyncRecordsView

urlpatterns = [
    path("federation/enrol/", EnrolView.as_view(), name="federation-enrol"),
    path("federation/filings/identifiers/", IdentifierFilingView.as_view(), name="federation-identifier-filing"),
    path("federation/filings/identifiers/status/", FilingStatusView.as_view(), name="federation-filing-status"),
    path("federation/filings/identifiers/state/", FilingStateView.as_view(), name="federation-filing-state"),
    path("federation/sync/records/", SyncRecordsView.as_view(), name="federation-sync-records"),
    path("federation/reports/operations/", OperationReportView.as_view(), name="federation-operation-report"),
]
