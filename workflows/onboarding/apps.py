from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnboardingConfig(AppConfig):
    name = "workflows.onboarding"
    label = "onboarding"
    verbose_name = _("入网入市与资格认证")

    def ready(self) -> None:
        from . import audit  # noqa: F401  (registers models with the audit trail)
