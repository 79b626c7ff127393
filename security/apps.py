from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "security"
    verbose_name = _("安全保障")

    def ready(self):
        from federation.authentication import node_refusal_hook_register

        from . import audit, receivers  # noqa: F401  (auditlog registrations; failed logins and lockouts)
        from .receivers import node_request_refused

        node_refusal_hook_register(node_request_refused)  # refused node-to-node requests are events too
