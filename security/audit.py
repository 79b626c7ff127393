from auditlog.registry import auditlog

from .models import RiskAssessment

auditlog.register(RiskAssessment)
