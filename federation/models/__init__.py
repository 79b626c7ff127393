"""Federation models: the outbox and filings received (outbox.py), the node registry and credentials (registry.py),
the keys of requests down the network (downlink.py), synced records (sync.py)."""

from .downlink import NodeKey, UpstreamKey
from .outbox import FilingState, IdentifierFiling, OutboxMessage, OutboxStatus
from .registry import EnrolmentCode, Peer, PeerKey, PeerRole, PeerState, SeenNonce, UpstreamLink
from .sync import SyncedRecord

__all__ = [
    "EnrolmentCode",
    "FilingState",
    "IdentifierFiling",
    "NodeKey",
    "OutboxMessage",
    "OutboxStatus",
    "Peer",
    "PeerKey",
    "PeerRole",
    "PeerState",
    "SeenNonce",
    "SyncedRecord",
    "UpstreamKey",
    "UpstreamLink",
]
