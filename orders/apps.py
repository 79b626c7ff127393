from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("资源预留与订单")

    def ready(self) -> None:
        from . import audit, checks  # noqa: F401  (registers models with the audit trail; deploy checks)
