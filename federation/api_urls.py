"""Federation endpoints under /api/v1/: enrolment, filings and catalogue sync from the nodes below (the
operation reports endpoint, on the same signed channel, is monitoring's: monitoring/report_api.py)."""

from django.urls import path

from .api import EnrolView, FilingStateView, FilingStatusView, IdentifierFilingView, NetworkPositionView
from .downlink import NodeKeyView, UpstreamKeysRotatedView
from .peer_relay import PeerRelayView
from .sync_receive import SyncRecordsView

urlpatterns = [
    path("federation/network/", NetworkPositionView.as_view(), name="federation-network"),
    path("federation/enrol/", EnrolView.as_view(), name="federation-enrol"),
    path("federation/filings/identifiers/", IdentifierFilingView.as_view(), name="federation-identifier-filing"),
    path("federation/filings/identifiers/status/", FilingStatusView.as_view(), name="federation-filing-status"),
    path("federation/filings/identifiers/state/", FilingStateView.as_view(), name="federation-filing-state"),
    path("federation/node-key/", NodeKeyView.as_view(), name="federation-node-key"),
    path(
        "federation/upstream-keys/rotated/", UpstreamKeysRotatedView.as_view(), name="federation-upstream-keys-rotated"
    ),
    path("federation/registry/peers/", PeerRelayView.as_view(), name="federation-peer-relay"),
    path("federation/sync/records/", SyncRecordsView.as_view(), name="federation-sync-records"),
]
