from channels.generic.websocket import AsyncJsonWebsocketConsumer

from infra.json_limits import BoundedJsonWebsocketMixin


class PingConsumer(BoundedJsonWebsocketMixin, AsyncJsonWebsocketConsumer):
    """Liveness of the websocket path: answers every message with the node role. Writes nothing."""

    async def receive_json(self, content, **kwargs):
        from django.conf import settings

        await self.send_json({"pong": content.get("ping"), "node_role": settings.NODE_ROLE})
