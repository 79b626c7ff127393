from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("资源汇聚与算力标识")

    def ready(self) -> None:
        from . import audit  # noqa: F401  (registers models with the audit trail)
