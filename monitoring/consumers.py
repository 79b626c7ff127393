"""Websocket consumer of the operation monitoring dashboards' headline tiles. It only reads and pushes;
it never writes to the database."""

import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from changes.live import live_attach, live_detach

from . import tiles
from .metrics import websocket_connected, websocket_disconnected
from .tiles import TOPIC, TileScope

FORBIDDEN = 4403  # close code of a refused socket (HTTP 403 at the handshake)


def _viewer_scope(user, session) -> TileScope | None:
    """The tiles ``user`` may see, as the dashboard page decides (monitoring.dashboards.metrics_viewer);
    None also when the user has an authenticator and this session has not passed the second step
    (the pages redirect such a session to the verification page: SecondFactorMiddleware)."""
    from .dashboards import metrics_viewer

    viewer = metrics_viewer(user)
    if viewer is None or _second_factor_missing(user, session):
        return None
    return TileScope(operator=viewer[0], prefix=viewer[1])


def _second_factor_missing(user, session) -> bool:
    from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
    from django_otp.models import Device

    if not user_has_device(user, confirmed=True):
        return False
    persistent_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    device = Device.from_persistent_id(persistent_id) if persistent_id else None
    return device is None or device.user_id != user.pk or not device.confirmed


class TilesConsumer(AsyncWebsocketConsumer):
    """``ws/monitoring/tiles/``: the headline tiles of the dashboard its user may see.

    Whoever may not see the dashboard (anonymous, without the permission, second step not passed) is
    refused with close code 4403 before the handshake completes (HTTP 403). Everyone else gets
    ``{"type": "tiles", "stamp": N, "figures": {...}}`` at once and again whenever the figures change:
    always every figure (never a delta), those of the operator's view or of the regulator's
    jurisdiction, as ``/monitoring/headline/`` returns them. ``stamp`` only grows;
    a client may ignore a message with a lower one. Messages from the client are ignored.
    """

    fanout = None
    tiles_scope: TileScope | None = None

    async def connect(self):
        scope = await database_sync_to_async(_viewer_scope)(self.scope.get("user"), self.scope.get("session"))
        if scope is None:
            await self.close(code=FORBIDDEN)
            return
        self.tiles_scope, self.stamp, self.figures = scope, -1, None
        await self.accept()
        self.fanout = live_attach()
        websocket_connected()
        await TOPIC.subscribe(self.fanout, scope, self)  # before the first snapshot: no change falls in between
        stamp, figures = await database_sync_to_async(tiles.tiles_snapshot)(scope)
        await self.push(stamp, figures)

    async def disconnect(self, code):
        fanout, self.fanout = self.fanout, None
        if fanout is not None:
            await TOPIC.unsubscribe(fanout, self.tiles_scope, self)
            live_detach(fanout)
            websocket_disconnected()

    async def receive(self, text_data=None, bytes_data=None):
        """Nothing to ask: the server pushes."""

    async def tiles_snapshot(self, event):
        """A snapshot through the channel layer (channels_redis; with the in-memory layer the fan-out calls push)."""
        await self.push(event["stamp"], event["figures"])

    async def push(self, stamp: int, figures: dict) -> None:
        """Send the figures unless they are older than, or the same as, what this socket has."""
        if stamp < self.stamp:
            return
        self.stamp = stamp
        unchanged = self.figures is not None and _without_time(figures) == _without_time(self.figures)
        if unchanged:
            return
        self.figures = figures
        await self.send(text_data=json.dumps({"type": "tiles", "stamp": stamp, "figures": figures}))


def _without_time(figures: dict) -> dict:
    return {name: value for name, value in figures.items() if name != "updated_at"}
