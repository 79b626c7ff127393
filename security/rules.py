"""Who may see and act on the security records: node operators (and superusers, through Django)."""

import rules

from organizations.predicates import is_node_operator

rules.add_perm("security.view_security", is_node_operator)
rules.add_perm("security.unlock_login", is_node_operator)
rules.add_perm("security.view_audit_log", is_node_operator)
