"""Permissions of the front door (autodiscovered by django-rules)."""

import rules

from organizations.predicates import is_node_operator


@rules.predicate
def administers(user, organization) -> bool:
    """The user is an administrator of ``organization`` (单位管理员)."""
    admin = getattr(user, "administers", None) if user.is_authenticated else None
    return bool(
        organization is not None
        and admin is not None
        and admin.organization_id == organization.pk
        and user.organization_id == organization.pk
    )


rules.add_perm("accounts.certify", is_node_operator)
rules.add_perm("accounts.manage_people", administers)
