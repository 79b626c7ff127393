"""Reads for the federation: this node's identity in the network and the registry of nodes below it."""

from django.conf import settings
from django.db.models import Prefetch

from .models import Peer, PeerState, UpstreamLink


def upstream_link() -> UpstreamLink | None:
    """This node's enrolment with its upstream (``node_enrol``), if any."""
    return UpstreamLink.objects.order_by("-enrolled_at").first()


def node_prefix() -> str:
    """This node's identifier prefix: the one its upstream allocated at enrolment, else the configured one."""
    link = upstream_link()
    return link.prefix if link is not None else settings.NODE_IDENTIFIER_PREFIX


def upstream_url() -> str:
    """Where upstream requests go: UPSTREAM_NODE_URL when set (the upstream moved), else the enrolment URL."""
    if settings.UPSTREAM_NODE_URL:
        return settings.UPSTREAM_NODE_URL
    link = upstream_link()
    return link.url.rstrip("/") if link is not None else ""


def peer_for_prefix(*, prefix: str) -> Peer | None:
    """The active registered node responsible for ``prefix`` (the longest registered prefix covering it)."""
    candidates = list(_covering(prefix))
    # nodes enrolled here directly: one registered below a regional node (``via``) is reached through it
    direct = Peer.objects.filter(prefix__in=candidates, state=PeerState.ACTIVE, via__isnull=True)
    peers = {peer.prefix: peer for peer in direct}
    for candidate in candidates:  # longest first
        if candidate in peers:
            return peers[candidate]
    return None


def _covering(prefix: str) -> list[str]:
    parts = prefix.split(".")
    return [".".join(parts[:length]) for length in range(len(parts), 0, -1)]


def peer_list() -> list[Peer]:
    return list(Peer.objects.select_related("via").order_by("prefix"))


def synced_record_get(*, code: str):
    """A record synced here from a node below and still public there (None otherwise)."""
    from .models import SyncedRecord

    return SyncedRecord.objects.filter(identifier=code, removed=False).first()


def network_position() -> dict:
    """Where this node sits in the 1+M+N network (the home page says it): its role and prefix, the node
    above it (from its enrolment) and the active nodes enrolled directly below it (from the registry)."""
    link = upstream_link()
    upstream = None
    if link is not None:
        upstream = {"name": link.upstream_name, "prefix": link.upstream_prefix, "url": upstream_url()}
    below = (
        Peer.objects.filter(state=PeerState.ACTIVE, via__isnull=True)
        .prefetch_related(Prefetch("below", queryset=Peer.objects.filter(state=PeerState.ACTIVE).order_by("prefix")))
        .order_by("prefix")
    )
    return {
        "role": settings.NODE_ROLE,
        "prefix": node_prefix(),
        # what this node signs its requests with, up (its enrolment key) and down (its own keys)
        "signature_algorithm": link.algorithm if link is not None else settings.NODE_SIGNATURE_ALGORITHM,
        "upstream": upstream,
        "downstream": [
            {
                "name": peer.name,
                "prefix": peer.prefix,
                "url": peer.url,
                "role": peer.get_role_display(),
                # on the national node: the industry nodes its regional node registered (peer_relay.py)
                "below": [
                    {"name": child.name, "prefix": child.prefix, "url": child.url, "role": child.get_role_display()}
                    for child in peer.below.all()
                ],
            }
            for peer in below
        ],
    }
