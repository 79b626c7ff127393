from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("资源预留与订单")

    def ready(self) -> None:
        from catalog.services.changes import record_changed_subscribe

        from . import audit  # noqa: F401  (registers models with the audit trail)
        from .receivers import resource_status_changed

        record_changed_subscribe(resource_status_changed, dispatch_uid="orders.capacity_check")
