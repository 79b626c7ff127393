"""Catalogue models in the audit trail (django-auditlog: who, when, before/after)."""

from auditlog.registry import auditlog

from .models import AppService, ComputeResource, Identifier, NetworkLine, Provider, ProviderApiKey, Site

auditlog.register(Provider)
auditlog.register(Site)
auditlog.register(ComputeResource, exclude_fields=["updated_at"], m2m_fields=set())
auditlog.register(NetworkLine, exclude_fields=["updated_at"])
auditlog.register(AppService, exclude_fields=["updated_at"], m2m_fields={"resources"})
auditlog.register(Identifier, exclude_fields=["changed_at"])
auditlog.register(ProviderApiKey, exclude_fields=["key_hash", "last_used_at"])
