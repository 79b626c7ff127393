"""Which models of this app are in the audit trail (django-auditlog: who, when, before/after)."""

from auditlog.registry import auditlog

from .models import Demand, DemandMatch, ResaleOffer, SchedulingRecord

auditlog.register(Demand, exclude_fields=["updated_at"])
auditlog.register(DemandMatch, exclude_fields=["explanation"])
auditlog.register(SchedulingRecord, m2m_fields={"resources"})
auditlog.register(ResaleOffer, m2m_fields={"resources"})
