from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("门户")

    def ready(self) -> None:
        from changes.registry import live_socket_hooks_register
        from infra.translation_fallbacks import translations_prepare
        from monitoring.metrics import websocket_connected, websocket_disconnected
        from portal import cache_invalidation
        from portal.admin_labels import admin_labels_apply

        cache_invalidation.connect()
        admin_labels_apply()  # Chinese section and model names for the third-party apps in the Django admin
        translations_prepare()  # one fallback catalogue per language, not a chain of eleven
        # ws/live/ sockets count in monitoring's gauge of open websockets (wired here, at the top,
        # until monitoring registers it in its own AppConfig)
        live_socket_hooks_register(opened=websocket_connected, closed=websocket_disconnected)
