from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("算力选择")

    def ready(self) -> None:
        from . import indexing, warmup
        from .live import live_connect

        indexing.connect()  # the selection index follows every catalogue change, after commit
        live_connect()  # open pages get each changed record's snapshot through the LiveChange outbox
        warmup.connect()  # an ASGI server builds its index in the background on its first request
