"""Permissions of the demand process (autodiscovered by django-rules).

A demand is its submitter's alone; a scheduling record is for the staff (provider or reseller role)
of the provider that delivers it. Anyone else gets a 404 from the views, never a 403.
"""

import rules

from organizations.predicates import is_provider, is_reseller

from .models import SchedulingStatus

is_provider_staff = is_provider | is_reseller


@rules.predicate
def is_demand_owner(user, demand) -> bool:
    return demand is not None and getattr(demand, "user_id", None) == user.pk


@rules.predicate
def is_record_provider_member(user, record) -> bool:
    """The user belongs to the organisation of the scheduling record's provider."""
    organization_id = getattr(user, "organization_id", None)
    if record is None or organization_id is None or record.provider_id is None:
        return False  # a node below's part is decided there
    return record.provider.organization_id == organization_id


@rules.predicate
def has_pending_record_in_match(user, match) -> bool:
    """The user's organisation still has to confirm its part of the (accepted) match."""
    organization_id = getattr(user, "organization_id", None)
    if match is None or organization_id is None:
        return False
    return match.scheduling_records.filter(
        provider__organization_id=organization_id, status=SchedulingStatus.PENDING
    ).exists()


rules.add_perm("demand.view_demand", is_demand_owner)
rules.add_perm("demand.accept_match", is_demand_owner)
rules.add_perm("demand.confirm_scheduling", is_provider_staff & is_record_provider_member)
# The confirmation task of DemandFlow: its permission object is the accepted match.
rules.add_perm("demand.confirm_match", is_provider_staff & has_pending_record_in_match)
