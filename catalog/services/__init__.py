"""Writes of the catalogue (keyword-only, typed, one transaction each; each change appended to the
change feed in that transaction)."""

from .api_keys import api_key_authenticate, api_key_create, api_key_revoke
from .changes import records_changed_append, site_save, sites_changed_append
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
    "record_delist",
    "record_update_status",
    "records_changed_append",
    "resource_upsert",
    "site_save",
    "sites_changed_append",
]
