"""Permissions of the catalogue (autodiscovered by django-rules)."""

import rules

from organizations.predicates import (
    is_app_service_provider,
    is_line_provider,
    is_member,
    is_node_operator,
    is_provider,
)

is_provider_staff = is_provider | is_line_provider | is_app_service_provider

# A provider's own staff create and revoke its API keys (the object is the Provider).
rules.add_perm("catalog.manage_api_keys", is_member & is_provider_staff)
# The regional identifier library and approvals are the node operators' work.
rules.add_perm("catalog.view_identifier_library", is_node_operator)
rules.add_perm("catalog.approve_record", is_node_operator)
