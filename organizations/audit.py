"""Which models of this app are in the audit trail (django-auditlog: who, when, before/after)."""

from auditlog.registry import auditlog

from .models import Authority, Organization, TelecomLicence, User

auditlog.register(Organization)
auditlog.register(TelecomLicence)
auditlog.register(Authority)
auditlog.register(User, exclude_fields=["password", "last_login"], m2m_fields={"groups", "user_permissions"})
