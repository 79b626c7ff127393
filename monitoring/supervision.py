"""属地监管 (issue 14): on a regional (or the national) node, the communications administration supervises
the industry nodes in its jurisdiction — their resources (catalogue records synced here), their identifier
filings, their daily reports and the security-relevant events of their requests to this node (refused
signatures, replays, revoked credentials, requests outside their prefix: federation.authentication).

Who: node operators see every node; a communications regulator (monitoring.rules) the nodes whose
province lies in their authority's jurisdiction (a node's province is the second segment of its prefix,
``CN.510000.C15`` → 510000). Anyone else, a node outside the jurisdiction, and an industry node (which
has no nodes below it) get 404.
"""

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.shortcuts import render
from django_tables2 import RequestConfig

from federation.authentication import NODE_EVENT_MARK
from federation.models import IdentifierFiling, Peer, PeerRole, SyncedRecord
from organizations.predicates import is_node_operator
from security.models import SecurityEvent

from .models import ReceivedReport
from .rules import is_communications_regulator
from .supervision_tables import EventTable, FilingTable, NodeTable, ReportTable, SyncedRecordTable


def supervised_nodes(*, user) -> QuerySet[Peer]:
    """The industry nodes below this node that ``user`` supervises (none for anyone else)."""
    nodes = Peer.objects.filter(role=PeerRole.INDUSTRY).select_related("via")
    if user.is_superuser or is_node_operator(user):
        return nodes
    if not is_communications_regulator(user):
        return nodes.none()
    prefix = user.authority.jurisdiction_prefix
    return nodes if not prefix else nodes.filter(prefix__startswith=f"CN.{prefix}")


def _node_events(prefix: str) -> QuerySet[SecurityEvent]:
    return SecurityEvent.objects.filter(detail__startswith=f"{NODE_EVENT_MARK}{prefix} ")


def node_overview(*, nodes: QuerySet[Peer]) -> list[dict]:
    """One row per node: its records, filings, latest report and refused requests (four grouped queries)."""
    prefixes = [node.prefix for node in nodes]
    records = dict(
        SyncedRecord.objects.filter(source_prefix__in=prefixes, removed=False)
        .values_list("source_prefix")
        .annotate(n=Count("pk"))
    )
    filings = {
        row["node_prefix"]: row
        for row in IdentifierFiling.objects.filter(node_prefix__in=prefixes)
        .values("node_prefix")
        .annotate(n=Count("pk"), revoked=Count("pk", filter=Q(state="revoked")))
    }
    reports = dict(
        ReceivedReport.objects.filter(node_prefix__in=prefixes)
        .values_list("node_prefix")
        .annotate(last=Max("report_date"))
    )
    events = {prefix: _node_events(prefix).count() for prefix in prefixes}
    return [
        {
            "node": node,
            "records": records.get(node.prefix, 0),
            "filings": filings.get(node.prefix, {}).get("n", 0),
            "revoked": filings.get(node.prefix, {}).get("revoked", 0),
            "last_report": reports.get(node.prefix),
            "events": events[node.prefix],
        }
        for node in nodes
    ]


def _allowed(request) -> None:
    user = request.user
    if settings.NODE_ROLE not in ("national", "regional") or not user.is_authenticated:
        raise Http404
    if not (user.is_superuser or is_node_operator(user) or is_communications_regulator(user)):
        raise Http404


def supervision_list(request):
    """属地监管: the industry nodes in the user's jurisdiction."""
    _allowed(request)
    nodes = supervised_nodes(user=request.user).order_by("prefix")
    table = NodeTable(node_overview(nodes=nodes))
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    return render(request, "monitoring/supervision_list.html", {"table": table, "count": len(table.data)})


def supervision_node(request, prefix: str):
    """One supervised node: resources, identifiers, reports, security events (each a paginated table)."""
    _allowed(request)
    node = supervised_nodes(user=request.user).filter(prefix=prefix).first()
    if node is None:
        raise Http404
    tables = {
        "records": SyncedRecordTable(
            SyncedRecord.objects.filter(source_prefix=node.prefix).order_by("removed", "identifier"), prefix="r-"
        ),
        "filings": FilingTable(IdentifierFiling.objects.filter(node_prefix=node.prefix), prefix="f-"),
        "reports": ReportTable(ReceivedReport.objects.filter(node_prefix=node.prefix), prefix="p-"),
        "events": EventTable(_node_events(node.prefix), prefix="e-"),
    }
    for table in tables.values():
        RequestConfig(request, paginate={"per_page": 20}).configure(table)
    return render(request, "monitoring/supervision_node.html", {"node": node, **tables})
