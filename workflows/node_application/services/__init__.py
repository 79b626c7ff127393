"""Writes of the node application process: every state change goes through here, with its trail.

Each function is keyword-only, runs in one transaction, locks the application row
(``select_for_update``) before it reads the state it changes, and records an ``ApplicationEvent``
(who, when, from which stage to which, opinion). Bad input raises ``ValidationError`` and changes
nothing.
"""

from ..models import DECISIONS
from .applicant import (
    application_create,
    application_request_name_prereview,
    application_save_draft,
    application_submit,
    application_withdraw,
    material_upload,
    milestone_record,
    missing_materials,
    submit_problems,
)
from .campaigns import campaign_upsert
from .common import FORM_FIELDS, REQUIRED_ON_SUBMIT
from .declaration import seal_status
from .experts import expert_assign, expert_score_submit
from .findings import finding_record, finding_withdraw
from .materials import material_delete
from .objections import objection_lodge, objection_resolve, objection_submit_public
from .package import application_form_data, build_submission_package
from .pdf import application_form_pdf
from .review import municipal_batch_recommend, task_act

__all__ = [
    "DECISIONS",
    "FORM_FIELDS",
    "REQUIRED_ON_SUBMIT",
    "application_create",
    "application_form_data",
    "application_form_pdf",
    "application_request_name_prereview",
    "application_save_draft",
    "application_submit",
    "application_withdraw",
    "build_submission_package",
    "campaign_upsert",
    "expert_assign",
    "expert_score_submit",
    "finding_record",
    "finding_withdraw",
    "material_delete",
    "material_upload",
    "milestone_record",
    "missing_materials",
    "municipal_batch_recommend",
    "objection_lodge",
    "objection_resolve",
    "objection_submit_public",
    "seal_status",
    "submit_problems",
    "task_act",
]
