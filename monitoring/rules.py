"""Who may see and act on the security records: node operators (and superusers, through Django)."""

import rules

from organizations.predicates import is_node_operator

rules.add_perm("monitoring.view_security", is_node_operator)
rules.add_perm("monitoring.unlock_login", is_node_operator)
rules.add_perm("monitoring.view_audit_log", is_node_operator)


# --- Operation monitoring (system E): node operators, and the communications administration
# (provincial, and the ministry's ICT bureau) as regulators, each inside their jurisdiction.
REGULATOR_DEPARTMENTS = frozenset({"communications_administration", "ministry_ict"})


@rules.predicate
def is_communications_regulator(user) -> bool:
    authority = getattr(user, "authority", None)
    return authority is not None and authority.department in REGULATOR_DEPARTMENTS


rules.add_perm("monitoring.view_metrics", is_node_operator | is_communications_regulator)
rules.add_perm("monitoring.view_national_reports", is_node_operator | is_communications_regulator)
