"""Predicates (django-rules) shared by every app: roles, membership and jurisdiction.

Objects checked for jurisdiction expose ``division_code`` (a six-digit GB/T 2260 code); objects
checked for membership expose ``organization_id``.
"""

import rules

from .roles import Role


def has_role(role: Role) -> rules.Predicate:
    return rules.is_group_member(role.value)


is_applicant = has_role(Role.APPLICANT)
is_municipal_reviewer = has_role(Role.MUNICIPAL_REVIEWER)
is_provincial_reviewer = has_role(Role.PROVINCIAL_REVIEWER)
is_ministry_reviewer = has_role(Role.MINISTRY_REVIEWER)
is_expert = has_role(Role.EXPERT)
is_node_operator = has_role(Role.NODE_OPERATOR)
is_provider = has_role(Role.PROVIDER)
is_reseller = has_role(Role.RESELLER)
is_line_provider = has_role(Role.LINE_PROVIDER)
is_app_service_provider = has_role(Role.APP_SERVICE_PROVIDER)
is_editor = has_role(Role.EDITOR)
is_approver = has_role(Role.APPROVER)

is_government_reviewer = is_municipal_reviewer | is_provincial_reviewer | is_ministry_reviewer


@rules.predicate
def in_jurisdiction(user, obj) -> bool:
    """The user's authority covers the place the object is in."""
    authority = getattr(user, "authority", None)
    if authority is None or obj is None:
        return False
    return authority.covers(getattr(obj, "division_code", None))


@rules.predicate
def is_member(user, obj) -> bool:
    """The user belongs to the organisation the object belongs to (or is)."""
    organization_id = getattr(user, "organization_id", None)
    if organization_id is None or obj is None:
        return False
    return getattr(obj, "organization_id", getattr(obj, "pk", None)) == organization_id
