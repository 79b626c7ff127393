from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("注册认证")

    def ready(self) -> None:
        from . import audit  # noqa: F401  (registers models with the audit trail)
