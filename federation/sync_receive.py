"""Catalogue sync, upstream side: records from the nodes below arrive in signed batches (sync.py sends them).

``sync_batch_receive`` applies a batch in one transaction: every identifier must be under the sending
node's prefix (a regional node's covers its industry nodes' prefixes), else the whole batch is refused
(403) and nothing changes. A record is upserted by identifier unless the stored copy comes from a newer
position of the sender's change feed (an older change never overwrites a newer one); a removal keeps
the row hidden (``removed``). Repeating a batch changes nothing (positions are equal, content too).
Every applied record is appended to this node's own change feed as ``synced``, so a regional node
forwards its industry nodes' records to the national node with its own sync. A batch is applied with
one read, one bulk insert, one bulk update and the feed appends (not per record).
"""

from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from changes.services import changes_append
from organizations.identifiers import MalformedIdentifier, parse_identifier

from .authentication import NodeAPIView
from .kinds import sync_sources
from .models import Peer, SyncedRecord

SYNCED = "synced"  # the change-feed record type of a synced record (its id is SyncedRecord.pk)
UPDATED_FIELDS = (
    "record_type",
    "source_prefix",
    "source_name",
    "source_url",
    "peer",
    "snapshot",
    "position",
    "removed",
)


class SyncRefused(ValueError):
    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


class SyncedItemSerializer(serializers.Serializer):
    identifier = serializers.CharField(max_length=64)
    record_type = serializers.ChoiceField(choices=())  # the registered sync sources (kinds.py)
    position = serializers.IntegerField(min_value=0)
    removed = serializers.BooleanField()
    snapshot = serializers.DictField(required=False, default=dict)
    source_name = serializers.CharField(max_length=128, required=False, allow_blank=True, default="")
    source_url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = list(sync_sources())

    def validate_identifier(self, value):
        try:
            parse_identifier(value)
        except MalformedIdentifier as error:
            raise serializers.ValidationError(str(error.reason)) from error
        return value


class SyncBatchSerializer(serializers.Serializer):
    records = SyncedItemSerializer(many=True, max_length=1000)


@transaction.atomic
def sync_batch_receive(*, peer: Peer, records: list[dict]) -> dict[str, int]:
    """Apply one batch from ``peer`` (validated items). Counts of applied, removed and stale items."""
    for item in records:
        prefix = parse_identifier(item["identifier"]).prefix
        if not peer.covers(prefix):
            raise SyncRefused(
                {"records": [f"节点 {peer.prefix} 无权同步前缀 {prefix} 下的记录（{item['identifier']}）。"]}
            )
    counts = {"applied": 0, "removed": 0, "stale": 0}
    # one read, one insert, one update and two feed appends per batch (not per record)
    codes = {item["identifier"] for item in records}
    known = {row.identifier: row for row in SyncedRecord.objects.select_for_update().filter(identifier__in=codes)}
    created: dict[str, SyncedRecord] = {}
    changed: dict[str, SyncedRecord] = {}
    now = timezone.now()
    for item in records:
        code = item["identifier"]
        existing = created.get(code) or known.get(code)
        if existing is not None and existing.position > item["position"]:
            counts["stale"] += 1
            continue
        if existing is None and item["removed"]:
            continue  # never seen here: nothing to hide
        values = {
            "record_type": item["record_type"],
            "source_prefix": parse_identifier(code).prefix,
            "source_name": item["source_name"],
            "source_url": item["source_url"],
            "peer_id": peer.pk,
            "snapshot": {} if item["removed"] else item["snapshot"],
            "position": item["position"],
            "removed": item["removed"],
        }
        if existing is not None and all(getattr(existing, name) == value for name, value in values.items()):
            counts["applied"] += 1  # a repeat: nothing to write, nothing to forward
            continue
        if existing is None:
            created[code] = SyncedRecord(identifier=code, received_at=now, **values)
        else:
            for name, value in values.items():
                setattr(existing, name, value)
            existing.received_at = now
            if code not in created:
                changed[code] = existing
        counts["removed" if item["removed"] else "applied"] += 1
    SyncedRecord.objects.bulk_create(created.values())
    SyncedRecord.objects.bulk_update(changed.values(), fields=[*UPDATED_FIELDS, "received_at"])
    rows = [*created.values(), *changed.values()]
    for kind, removed in (("synced", False), ("removed", True)):
        ids = [row.pk for row in rows if row.removed is removed]
        if ids:
            changes_append(record_type=SYNCED, record_ids=ids, kind=kind)
    return counts


class SyncRecordsView(NodeAPIView):
    """接收下级节点同步的目录记录 (catalogue records synced from the nodes below)."""

    @extend_schema(
        tags=["federation"],
        request=SyncBatchSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True)],
        responses={
            200: OpenApiResponse(description="已应用（重复送达同样返回 200，不作改动）"),
            400: OpenApiResponse(description="字段级错误"),
            403: OpenApiResponse(description="记录的算力标识不在该节点的前缀下"),
        },
    )
    def post(self, request):
        self.idempotency_key(request)  # required; the positions make a repeat harmless
        serializer = SyncBatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            counts = sync_batch_receive(peer=request.auth, records=serializer.validated_data["records"])
        except SyncRefused as refused:
            return Response(refused.errors, status=status.HTTP_403_FORBIDDEN)
        return Response(counts)
