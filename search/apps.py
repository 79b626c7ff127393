from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("算力选择")

    def ready(self) -> None:
        from . import indexing, warmup

        indexing.connect()  # this process's backends hear of its own catalogue changes at once, after commit
        warmup.connect()  # an ASGI server builds its index in the background on its first request
