from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("算力选择")

    def ready(self) -> None:
        from . import indexing, live, warmup

        indexing.connect()  # this process's backends hear of its own catalogue changes at once, after commit
        live.selection_live_connect()  # pages filtered or sorted by reliability are told when their rows change
        warmup.connect()  # an ASGI server builds its index in the background on its first request
