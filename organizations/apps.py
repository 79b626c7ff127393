from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = _("机构、主管部门与人员")

    def ready(self) -> None:
        from . import audit  # noqa: F401  (registers models with the audit trail)
