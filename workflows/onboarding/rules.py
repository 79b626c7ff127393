"""Permissions of the onboarding processes (autodiscovered by django-rules)."""

import rules

from organizations.predicates import (
    is_app_service_provider,
    is_line_provider,
    is_node_operator,
    is_provider,
    is_reseller,
)


@rules.predicate
def has_organization(user) -> bool:
    return getattr(user, "organization_id", None) is not None


@rules.predicate
def is_certified_line_provider_organization(user) -> bool:
    """The user's organisation is a line provider the node has certified (flow 11)."""
    from catalog.models import OnboardingState, Provider

    return Provider.objects.filter(
        organization_id=getattr(user, "organization_id", None),
        onboarding_state=OnboardingState.CERTIFIED,
        is_line_provider=True,
    ).exists()


# An organisation's staff apply; the node's operators certify (Start/View .Permission(...) in flows.py).
rules.add_perm(
    "onboarding.apply_provider", has_organization & (is_provider | is_line_provider | is_app_service_provider)
)
rules.add_perm("onboarding.apply_reseller", has_organization & is_reseller)
rules.add_perm("onboarding.open_line", has_organization & is_line_provider & is_certified_line_provider_organization)
rules.add_perm("onboarding.certify", is_node_operator)
