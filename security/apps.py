from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "security"
    verbose_name = _("安全保障")

    def ready(self):
        from . import audit, receivers  # noqa: F401  (auditlog registrations; failed logins and lockouts)
