"""Which models of this app are in the audit trail (django-auditlog), besides ApplicationEvent."""

from auditlog.registry import auditlog

from .models import (
    Campaign,
    ExpertAssignment,
    ExpertScore,
    FalseMaterialFinding,
    Material,
    NodeApplication,
    Objection,
    ReviewTask,
)

auditlog.register(Campaign)
auditlog.register(NodeApplication)
auditlog.register(Material, exclude_fields=["file"])
auditlog.register(ReviewTask)
auditlog.register(ExpertAssignment)
auditlog.register(ExpertScore)
auditlog.register(Objection, exclude_fields=["attachment"])
auditlog.register(FalseMaterialFinding, exclude_fields=["evidence"])
