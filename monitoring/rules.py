"""Who may see the operation monitoring (system E): node operators, and the communications administration
(provincial, and the ministry's ICT bureau) as regulators, each inside their jurisdiction."""

import rules

from organizations.predicates import is_node_operator

REGULATOR_DEPARTMENTS = frozenset({"communications_administration", "ministry_ict"})


@rules.predicate
def is_communications_regulator(user) -> bool:
    authority = getattr(user, "authority", None)
    return authority is not None and authority.department in REGULATOR_DEPARTMENTS


rules.add_perm("monitoring.view_metrics", is_node_operator | is_communications_regulator)
rules.add_perm("monitoring.view_national_reports", is_node_operator | is_communications_regulator)
# /metrics for a signed-in user (Prometheus itself presents METRICS_SCRAPE_TOKEN): node operators only.
rules.add_perm("monitoring.scrape_metrics", is_node_operator)
