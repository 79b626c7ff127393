"""Registration models in the audit trail (django-auditlog: who, when, before/after)."""

from auditlog.registry import auditlog

from .models import Invitation, JoinRequest, OrganizationAdministrator, OrganizationRegistration, RegistrationEvent

auditlog.register(OrganizationRegistration, exclude_fields=["licence_scan"])
auditlog.register(RegistrationEvent)
auditlog.register(JoinRequest)
auditlog.register(OrganizationAdministrator)
auditlog.register(Invitation)
