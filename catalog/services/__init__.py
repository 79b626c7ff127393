"""Writes of the catalogue (keyword-only, typed, one transaction each; side effects after commit)."""

from .announcements import record_changed_subscribe, records_changed_announce
from .api_keys import api_key_authenticate, api_key_create, api_key_revoke
from .identifiers import identifier_issue, identifier_transition
from .records import (
    RecordChange,
    app_service_upsert,
    line_upsert,
    record_approve,
    record_delist,
    record_update_status,
    resource_upsert,
)

__all__ = [
    "RecordChange",
    "api_key_authenticate",
    "api_key_create",
    "api_key_revoke",
    "app_service_upsert",
    "identifier_issue",
    "identifier_transition",
    "line_upsert",
    "record_approve",
    "record_changed_subscribe",
    "record_delist",
    "record_update_status",
    "records_changed_announce",
    "resource_upsert",
]
