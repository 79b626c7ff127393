from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemandConfig(AppConfig):
    name = "workflows.demand"
    label = "demand"
    verbose_name = _("算力需求")

    def ready(self) -> None:
        from . import audit  # noqa: F401  (registers models with the audit trail)
        from .resale_catalog import register

        register()  # resale offers on the catalogue's and the selection page's rows (catalog.offers)
