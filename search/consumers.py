"""``ws/select/``: a selection page whose rows depend on reliability figures watches its own query
(search.live). It only reads and pushes; it never writes."""

from urllib.parse import parse_qs

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import QueryDict
from django.utils.translation import gettext as _

from changes.live import live_attach, live_detach
from infra.json_limits import BoundedJsonWebsocketMixin

from .live import TOPIC, reliability_sensitive
from .query import ComputeQuery, QueryError

MAX_QUERY_LENGTH = 2000
MAX_IDS = 100  # the largest page size


class SelectionConsumer(BoundedJsonWebsocketMixin, AsyncJsonWebsocketConsumer):
    """Client -> server, once: ``{"query": "<the page's query string>", "ids": [ids of the rows shown, in order]}``;
    the query must filter by ``min_reliability`` or sort by ``reliability``.
    Server -> client: ``{"type": "watching"}``, then ``{"type": "refresh", "reason": "reliability", "entered": [...],
    "left": [...], "reordered": bool}`` whenever the page's rows are no longer those of its query (checked at once,
    then after every change of reliability figures); bad input gets ``{"type": "error", "errors": {...}}``."""

    fanout = None

    async def connect(self):
        await self.accept()
        self.fanout = live_attach()

    async def disconnect(self, code):
        TOPIC.unwatch(self)
        fanout, self.fanout = self.fanout, None
        if fanout is not None:
            live_detach(fanout)

    async def receive_json(self, content, **kwargs):
        errors, query = {}, None
        raw = content.get("query") if isinstance(content, dict) else None
        ids = content.get("ids") if isinstance(content, dict) else None
        if not isinstance(raw, str) or len(raw) > MAX_QUERY_LENGTH:
            errors["query"] = [_("须为选择页面的查询字符串。")]
        else:
            params = QueryDict(mutable=True)
            for name, values in parse_qs(raw.lstrip("?"), keep_blank_values=True).items():
                params.setlist(name, values)
            try:
                query = ComputeQuery.from_params(params)
            except QueryError as error:
                errors.update(error.errors)
            else:
                if not reliability_sensitive(query):
                    errors["query"] = [_("只有按最低可靠性筛选或按可靠性排序的页面需要订阅。")]
        valid_ids = isinstance(ids, list) and len(ids) <= MAX_IDS
        if not valid_ids or not all(isinstance(pk, int) and not isinstance(pk, bool) for pk in ids):
            errors["ids"] = [_("须为本页所列资源编号的列表（最多 %(max)d 个）。") % {"max": MAX_IDS}]
        if errors:
            await self.send_json({"type": "error", "errors": errors})
            return
        TOPIC.watch(self, query, ids)
        await self.send_json({"type": "watching"})
        await TOPIC.check([self])  # a change between rendering and subscribing is told at once
