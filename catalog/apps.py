import functools

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
        self.register_upstream_kinds()

    @staticmethod
    def register_upstream_kinds() -> None:
        """What the catalogue does when the national node acknowledges one of its identifier filings, and
        the record types whose public snapshots the catalogue sync sends upward."""
        try:
            from federation.filings import IDENTIFIER_FILING
            from federation.kinds import sync_source_register, upstream_kind_register
        except ImportError:  # federation not built in this deployment
            return
        from .services.identifiers import identifier_filed
        from .services.sync_rows import SYNC_MODELS, sync_items

        upstream_kind_register(IDENTIFIER_FILING, on_acknowledged=identifier_filed)
        for record_type in SYNC_MODELS:
            sync_source_register(record_type, items=functools.partial(sync_items, record_type=record_type))
