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

import re

import orjson
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from changes.services import changes_append
from infra.json_limits import FastJSONParser
from organizations.identifiers import MalformedIdentifier, parse_identifier

from .authentication import NodeAPIView
from .kinds import sync_sources
from .models import Peer, SyncedRecord

SYNCED = "synced"  # the change-feed record type of a synced record (its id is SyncedRecord.pk)
# compared with an incoming item to tell a repeat (nothing to write) from a change
COMPARED = ("record_type", "source_prefix", "source_name", "source_url", "peer_id", "snapshot", "removed")


MAX_BATCH = 2000
TABLE = SyncedRecord._meta.db_table


class SyncRefused(ValueError):
    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


class SyncedItemSerializer(serializers.Serializer):
    """The shape of one item, for the OpenAPI document (``sync_batch_check`` validates)."""

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


class SyncBatchSerializer(serializers.Serializer):
    records = SyncedItemSerializer(many=True, max_length=MAX_BATCH)


ABSOLUTE_URL = re.compile(r"https?://[^\s/?#]+[^\s]*\Z")  # a record link: no other scheme reaches a page


def _url_valid(value: str) -> bool:
    return ABSOLUTE_URL.match(value) is not None


def _item_checked(item) -> tuple[dict, dict]:
    """One item of a batch checked field by field: (clean item with its parsed prefix, {field: [message]})."""
    if not isinstance(item, dict):
        return {}, {"non_field_errors": [_("应为对象。")]}
    problems: dict[str, list[str]] = {}
    code = item.get("identifier")
    prefix = ""
    if not isinstance(code, str) or not code or len(code) > 64:
        problems["identifier"] = [_("请填写算力标识（不超过 64 个字符）。")]
    else:
        try:
            prefix = parse_identifier(code).prefix
        except MalformedIdentifier as error:
            problems["identifier"] = [str(error.reason)]
    if item.get("record_type") not in sync_sources():
        problems["record_type"] = [_("须为 resource、line 或 app_service。")]
    position = item.get("position")
    if type(position) is not int or position < 0:
        problems["position"] = [_("须为非负整数。")]
    if type(item.get("removed")) is not bool:
        problems["removed"] = [_("须为 true 或 false。")]
    snapshot = item.get("snapshot", {})
    if not isinstance(snapshot, dict):
        problems["snapshot"] = [_("须为对象。")]
    source_name = item.get("source_name", "")
    if not isinstance(source_name, str) or len(source_name) > 128:
        problems["source_name"] = [_("须为不超过 128 个字符的文本。")]
    source_url = item.get("source_url", "")
    if not isinstance(source_url, str) or len(source_url) > 500 or (source_url and not _url_valid(source_url)):
        problems["source_url"] = [_("须为 http(s) 绝对地址（不超过 500 个字符）。")]
    clean = {**item, "snapshot": snapshot, "source_name": source_name, "source_url": source_url, "prefix": prefix}
    return clean, problems


def sync_batch_check(data) -> list[dict]:
    """The items of a request body ``{"records": [...]}``, checked field by field (a plain loop, not a nested
    serializer: a resync sends 100,000 records). ValidationError naming the item and field otherwise."""
    records = data.get("records") if isinstance(data, dict) else None
    if not isinstance(records, list):
        raise serializers.ValidationError({"records": [_("须为记录列表。")]})
    if len(records) > MAX_BATCH:
        raise serializers.ValidationError({"records": [_("每批最多 %(max)d 条记录。") % {"max": MAX_BATCH}]})
    items, errors = [], {}
    for index, item in enumerate(records):
        clean, problems = _item_checked(item)
        if problems:
            errors[str(index)] = problems
        items.append(clean)
    if errors:
        raise serializers.ValidationError({"records": errors})
    return items


def _insert(rows: list[tuple]) -> None:
    """New synced records with one ``executemany`` (the ORM's bulk_create compiles every field of every row)."""
    json_param = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    sql = (
        f"INSERT INTO {TABLE} (identifier, record_type, source_prefix, source_name, source_url, peer_id, snapshot,"
        f" position, removed, received_at) VALUES (%s, %s, %s, %s, %s, %s, {json_param}, %s, %s, %s)"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _update(rows: list[tuple]) -> None:
    json_param = "%s::jsonb" if connection.vendor == "postgresql" else "%s"
    sql = (
        f"UPDATE {TABLE} SET record_type = %s, source_prefix = %s, source_name = %s, source_url = %s, peer_id = %s,"
        f" snapshot = {json_param}, position = %s, removed = %s, received_at = %s WHERE id = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


@transaction.atomic
def sync_batch_receive(*, peer: Peer, records: list[dict]) -> dict[str, int]:
    """Apply one batch from ``peer`` (items from ``sync_batch_check``). Counts of applied, removed and stale items."""
    for item in records:
        prefix = item.get("prefix") or parse_identifier(item["identifier"]).prefix
        if not peer.covers(prefix):
            raise SyncRefused(
                {"records": [f"节点 {peer.prefix} 无权同步前缀 {prefix} 下的记录（{item['identifier']}）。"]}
            )
        item["prefix"] = prefix
    counts = {"applied": 0, "removed": 0, "stale": 0}
    # one read, one insert, one update, one re-read of the new ids and the feed appends per batch
    codes = [item["identifier"] for item in records]
    known = {
        code: (pk, position, values)
        for pk, code, position, *values in SyncedRecord.objects.select_for_update()
        .filter(identifier__in=set(codes))
        .values_list("pk", "identifier", "position", *COMPARED)
    }
    latest: dict[str, tuple] = {}  # identifier -> (position, values) of the last item kept in this batch
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    for item in records:
        code = item["identifier"]
        before = latest.get(code) or (known[code][1:] if code in known else None)
        if before is not None and before[0] > item["position"]:
            counts["stale"] += 1
            continue
        if before is None and item["removed"]:
            continue  # never seen here: nothing to hide
        values = [
            item["record_type"],
            item["prefix"],
            item["source_name"],
            item["source_url"],
            peer.pk,
            {} if item["removed"] else item["snapshot"],
            item["removed"],
        ]
        if before is not None and before[0] == item["position"] and before[1] == values:
            counts["applied"] += 1  # a repeat: nothing to write, nothing to forward
            continue
        latest[code] = (item["position"], values)
        counts["removed" if item["removed"] else "applied"] += 1
    inserts, updates = [], []
    for code, (position, values) in latest.items():
        kind, prefix, name, url, peer_id, snapshot, removed = values
        encoded = orjson.dumps(snapshot).decode()  # parsed from JSON: nothing orjson cannot encode
        if code in known:
            updates.append((kind, prefix, name, url, peer_id, encoded, position, removed, now, known[code][0]))
        else:
            inserts.append((code, kind, prefix, name, url, peer_id, encoded, position, removed, now))
    if inserts:
        _insert(inserts)
    if updates:
        _update(updates)
    ids = dict(SyncedRecord.objects.filter(identifier__in=list(latest)).values_list("identifier", "pk"))
    for kind, removed in (("synced", False), ("removed", True)):
        changed = [ids[code] for code, (_position, values) in latest.items() if values[-1] is removed]
        if changed:
            changes_append(record_type=SYNCED, record_ids=changed, kind=kind)
    return counts


class SyncRecordsView(NodeAPIView):
    """接收下级节点同步的目录记录 (catalogue records synced from the nodes below)."""

    parser_classes = [FastJSONParser]

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
        records = sync_batch_check(request.data)
        try:
            counts = sync_batch_receive(peer=request.auth, records=records)
        except SyncRefused as refused:
            return Response(refused.errors, status=status.HTTP_403_FORBIDDEN)
        return Response(counts)
