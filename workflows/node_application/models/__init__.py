"""Node application (节点申报): campaigns, applications (附件2 / 附件3), materials, review tasks and the trail."""

from .applications import (
    APPLICANT_EXPECTED,
    APPLICANT_STAGE_LABELS,
    BEFORE_MINISTRY_STAGES,
    FINAL_STAGES,
    OPEN_STAGES,
    Gender,
    NodeApplication,
    SiteTenure,
    Stage,
    private_storage,
)
from .campaigns import Campaign, NodeType, ReviewMode, RuleAction, format_deadline, local_date
from .config import (
    CampaignMaterial,
    CampaignNotificationText,
    CampaignRulesVersion,
    CampaignStageName,
    MaterialCondition,
    MaterialScope,
)
from .findings import FalseMaterialFinding, FindingScope
from .integration import IntegrationEnrolment, SelfTestRun
from .materials import ALWAYS_REQUIRED, EDITABLE_REQUIRED, CodeSource, Material, MaterialFormat, MaterialKind
from .review import (
    ExpertAssignment,
    ExpertScore,
    NodeApplicationProcess,
    Objection,
    ObjectionChannel,
    ObjectionOutcome,
)
from .tasks import DECISIONS, ApplicationEvent, Notification, ReviewTask, TaskKind, TaskStatus

__all__ = [
    "ALWAYS_REQUIRED",
    "CodeSource",
    "SiteTenure",
    "APPLICANT_EXPECTED",
    "APPLICANT_STAGE_LABELS",
    "BEFORE_MINISTRY_STAGES",
    "DECISIONS",
    "EDITABLE_REQUIRED",
    "FINAL_STAGES",
    "OPEN_STAGES",
    "ApplicationEvent",
    "Campaign",
    "CampaignMaterial",
    "CampaignNotificationText",
    "CampaignRulesVersion",
    "CampaignStageName",
    "MaterialCondition",
    "MaterialScope",
    "ReviewMode",
    "RuleAction",
    "ExpertAssignment",
    "ExpertScore",
    "FalseMaterialFinding",
    "FindingScope",
    "Gender",
    "IntegrationEnrolment",
    "Material",
    "MaterialFormat",
    "MaterialKind",
    "NodeApplication",
    "NodeApplicationProcess",
    "NodeType",
    "Notification",
    "Objection",
    "ObjectionChannel",
    "ObjectionOutcome",
    "ReviewTask",
    "SelfTestRun",
    "Stage",
    "TaskKind",
    "TaskStatus",
    "format_deadline",
    "local_date",
    "private_storage",
]
