from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    name = "federation"
    verbose_name = _("节点互联（上报与备案）")

    def ready(self) -> None:
        from .filings import IDENTIFIER_FILING, on_filing_delivered
        from .kinds import upstream_kind_register

        # the answer to a filing may carry the national acknowledgement already
        upstream_kind_register(IDENTIFIER_FILING, on_delivered=on_filing_delivered)
