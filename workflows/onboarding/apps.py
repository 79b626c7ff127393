from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnboardingConfig(AppConfig):
    name = "workflows.onboarding"
    label = "onboarding"
    verbose_name = _("入网入市与资格认证")
