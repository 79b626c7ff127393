from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    name = "federation"
    verbose_name = _("节点互联（上报与备案）")

    def ready(self) -> None:
        from changes.registry import snapshot_builder_register

        from . import checks  # noqa: F401  (sealing keys and key rotation checks)
        from .filings import IDENTIFIER_FILING, on_filing_delivered
        from .kinds import upstream_kind_register
        from .live import synced_snapshots
        from .sync_receive import SYNCED

        # records synced from the nodes below reach this node's ws/live/ sockets like its own (federation/live.py)
        snapshot_builder_register(SYNCED, synced_snapshots)

        # the answer to a filing may carry the national acknowledgement already
        upstream_kind_register(IDENTIFIER_FILING, on_delivered=on_filing_delivered)
