from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("资源预留与订单")

    def ready(self) -> None:
        from federation.kinds import upstream_kind_register

        from . import audit, checks  # noqa: F401  (registers models with the audit trail; deploy checks)
        from .remote import HOLD_OUTCOME, outcome_delivered

        # the outcome of a hold requested by the upstream node travels up through the outbox
        upstream_kind_register(HOLD_OUTCOME, on_delivered=outcome_delivered)
