from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NodeApplicationConfig(AppConfig):
    name = "workflows.node_application"
    label = "node_application"
    verbose_name = _("节点申报")

    def ready(self) -> None:
        from . import audit  # noqa: F401  (registers models with the audit trail)
