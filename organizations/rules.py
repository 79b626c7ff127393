"""Permissions of the organizations app (autodiscovered by django-rules)."""

import rules

from .predicates import (
    in_jurisdiction,
    is_approver,
    is_editor,
    is_government_reviewer,
    is_member,
    is_node_operator,
)

# Editors and approvers work in the Wagtail admin (/cms/); nobody else needs it.
rules.add_perm("wagtailadmin.access_admin", is_editor | is_approver)

# An organisation is visible to its own members, to the node's operators, and to reviewers whose
# jurisdiction covers where it is registered.
rules.add_perm(
    "organizations.view_organization", is_member | is_node_operator | (is_government_reviewer & in_jurisdiction)
)
rules.add_perm("organizations.change_organization", is_node_operator)
