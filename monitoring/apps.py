from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("运行监测")

    def ready(self):
        from .tiles import tiles_connect

        tiles_connect()  # the headline tiles: a topic of the change feed's live fan-out
