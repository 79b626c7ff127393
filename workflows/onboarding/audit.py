"""Onboarding models in the audit trail (django-auditlog: who, when, before/after)."""

from auditlog.registry import auditlog

from .models import (
    ApplicationSite,
    LineApplication,
    OnboardingEvent,
    ProviderApplication,
    ResellerApplication,
    ResellerQualification,
)

auditlog.register(ProviderApplication, exclude_fields=["document"])
auditlog.register(ApplicationSite)
auditlog.register(ResellerApplication)
auditlog.register(ResellerQualification)
auditlog.register(LineApplication)
auditlog.register(OnboardingEvent)
