from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = _("资源汇聚与算力标识")

    def ready(self) -> None:
        from changes.registry import snapshot_builder_register

        from . import audit  # noqa: F401  (registers models with the audit trail)
        from .services.changes import RECORD_TYPES

        for record_type, build in RECORD_TYPES.values():  # for changes appended without a snapshot
            snapshot_builder_register(record_type, build)
