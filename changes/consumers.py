"""The ``ws/live/`` websocket: live snapshots of the records apps registered with the feed. It only
reads and pushes; it never writes."""

import asyncio
import contextlib
import json
import re

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils.translation import gettext as _

from infra.json_limits import BoundedJsonWebsocketMixin

from .live import group_for, live_attach, live_detach
from .registry import live_socket_hooks, snapshots_build
from .selectors import current_position, latest_changes

# "<record type>:<id>"; the record type must be one registered with a snapshot builder
KEY = re.compile(r"^([a-z_]+):[1-9][0-9]{0,17}$")
MAX_KEYS = 500


def for_language(snapshot: dict, language: str) -> dict:
    """The record as a client in ``language`` gets it: ``labels`` flattened into ``<field>_label``."""
    labels = snapshot.get("labels")
    if not labels:
        return snapshot
    chosen = labels.get(language) or labels.get(settings.LANGUAGE_CODE) or next(iter(labels.values()))
    record = {name: value for name, value in snapshot.items() if name != "labels"}
    record.update({f"{name}_label": text for name, text in chosen.items()})
    return record


def _catch_up(*, keys: list[str], since: int) -> list[tuple[int, str, dict]]:
    """The newest change per key since ``since``, with snapshots (built for changes that carry none)."""
    missed = latest_changes(keys=keys, since=since)
    built: dict[str, dict[int, dict]] = {}
    for _seq, key, snapshot in missed:
        if snapshot is None:
            record_type, _, pk = key.partition(":")
            built.setdefault(record_type, {})[int(pk)] = {}
    for record_type, wanted in built.items():
        wanted.update(snapshots_build(record_type=record_type, record_ids=list(wanted)))
    result = []
    for seq, key, snapshot in missed:
        if snapshot is None:
            record_type, _, pk = key.partition(":")
            snapshot = built[record_type].get(int(pk)) or None
        if snapshot is not None:
            result.append((seq, key, snapshot))
    return result


class LiveConsumer(BoundedJsonWebsocketMixin, AsyncJsonWebsocketConsumer):
    """``ws/live/``: live snapshots of public catalogue records.

    Client -> server: ``{"subscribe": ["resource:12", ...], "since": <seq or null>, "lang": "zh-hans"}``
    (keys ``resource:<id>``, ``line:<id>``, ``app_service:<id>``; adds to the subscription;
    ``{"unsubscribe": [...]}`` removes).
    Server -> client: ``{"type": "subscribed", "keys": [...], "seq": N}``, then for every change
    ``{"type": "snapshot", "seq": N, "key": "resource:12", "record": {...}}`` (the full current
    record; a record that left the public catalogue arrives as ``{"id", "public": false, ...}``);
    bad input gets ``{"type": "error", "errors": {field: [message]}}`` and changes nothing.
    """

    async def connect(self):
        self.keys: set[str] = set()
        self.seen: dict[str, int] = {}
        self.language = settings.LANGUAGE_CODE
        self.drain = live_attach()
        await self.accept()
        for opened, _closed in live_socket_hooks():
            opened()

    async def disconnect(self, code):
        drain = getattr(self, "drain", None)
        for key in getattr(self, "keys", ()):
            await self.leave(key)
        self.keys = set()
        if drain is not None:
            live_detach(drain)
            for _opened, closed in live_socket_hooks():
                closed()

    def valid_key(self, key) -> bool:
        match = KEY.match(key) if isinstance(key, str) else None
        return match is not None and match.group(1) in self.drain.record_types

    async def join(self, key: str) -> None:
        self.drain.subscribe(key, self)
        if not self.drain.local_only:
            await self.channel_layer.group_add(group_for(key), self.channel_name)
        self.keys.add(key)

    async def leave(self, key: str) -> None:
        self.drain.unsubscribe(key, self)
        if not self.drain.local_only:
            await self.channel_layer.group_discard(group_for(key), self.channel_name)

    async def receive_json(self, content, **kwargs):
        errors = {}
        if not isinstance(content, dict):
            await self.send_json({"type": "error", "errors": {"__all__": [_("消息须为 JSON 对象。")]}})
            return
        subscribe = content.get("subscribe", [])
        unsubscribe = content.get("unsubscribe", [])
        since = content.get("since")
        for field, keys in (("subscribe", subscribe), ("unsubscribe", unsubscribe)):
            if not isinstance(keys, list) or not all(self.valid_key(key) for key in keys):
                errors[field] = [_("须为形如 resource:12、line:3 或 app_service:5 的订阅键列表。")]
        if "subscribe" not in errors and len(self.keys | set(subscribe)) > MAX_KEYS:
            errors["subscribe"] = [_("每个连接最多订阅 %(max)s 条记录。") % {"max": MAX_KEYS}]
        if since is not None and (isinstance(since, bool) or not isinstance(since, int) or since < 0):
            errors["since"] = [_("须为非负整数或 null。")]
        language = content.get("lang")
        if language is not None and language not in dict(settings.LANGUAGES):
            errors["lang"] = [_("不支持的语言。")]
        if errors:
            await self.send_json({"type": "error", "errors": errors})
            return
        if language:
            self.language = language
        for key in unsubscribe:
            if key in self.keys:
                await self.leave(key)
                self.keys.discard(key)
        added = [key for key in dict.fromkeys(subscribe) if key not in self.keys]
        for key in added:
            await self.join(key)
        # the drain knows its starting point before we look back (nothing falls in between)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.drain.ready.wait(), timeout=5)
        seq = await database_sync_to_async(current_position)()
        await self.send_json({"type": "subscribed", "keys": sorted(self.keys), "seq": seq})
        if since is not None and added:
            missed = await database_sync_to_async(_catch_up)(keys=added, since=since)
            for row_seq, key, snapshot in missed:
                await self.push(row_seq, key, snapshot)

    async def live_snapshot(self, event):
        """A snapshot through the channel layer (channels_redis; the in-memory layer's drain calls push)."""
        if event["key"] in self.keys:
            await self.push(event["seq"], event["key"], event["record"])

    async def push(self, seq: int, key: str, snapshot: dict, encoded: dict | None = None) -> None:
        """Send one snapshot unless this socket already has it (catch-up and live delivery may
        overlap). ``encoded`` caches the JSON text per language across the consumers of one row."""
        if seq <= self.seen.get(key, 0):
            return
        self.seen[key] = seq
        text = encoded.get(self.language) if encoded is not None else None
        if text is None:
            record = for_language(snapshot, self.language)
            text = json.dumps({"type": "snapshot", "seq": seq, "key": key, "record": record}, ensure_ascii=False)
            if encoded is not None:
                encoded[self.language] = text
        await self.send(text_data=text)
