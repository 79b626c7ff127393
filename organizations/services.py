"""Writes of the organizations app: keyword-only, typed, one transaction each."""

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from changes.services import change_append

from .models import Authority, Division, Organization, User
from .roles import AUTHORITY_ROLES, ORGANIZATION_ROLES, Role


def _check_affiliation(
    *, roles: Iterable[Role], organization: Organization | None, authority: Authority | None
) -> None:
    roles = set(roles)
    if organization and authority:
        raise ValidationError({"authority": _("一个账号只能属于一个单位或一个主管部门。")})
    if roles & AUTHORITY_ROLES and authority is None:
        raise ValidationError({"authority": _("审核人员账号必须属于一个主管部门。")})
    if roles & ORGANIZATION_ROLES and organization is None:
        raise ValidationError({"organization": _("该角色的账号必须属于一个单位。")})


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    full_name: str = "",
    email: str = "",
    roles: Iterable[Role] = (),
    organization: Organization | None = None,
    authority: Authority | None = None,
    title: str = "",
    phone: str = "",
) -> User:
    roles = list(roles)
    _check_affiliation(roles=roles, organization=organization, authority=authority)
    user = User(
        username=username,
        full_name=full_name,
        email=email,
        organization=organization,
        authority=authority,
        title=title,
        phone=phone,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    user.groups.set(Group.objects.filter(name__in=[role.value for role in roles]))
    return user


@transaction.atomic
def user_set_roles(*, user: User, roles: Iterable[Role]) -> User:
    roles = list(roles)
    _check_affiliation(roles=roles, organization=user.organization, authority=user.authority)
    user.groups.set(Group.objects.filter(name__in=[role.value for role in roles]))
    return user


@transaction.atomic
def organization_create(**fields) -> Organization:
    """Create an organisation after the model's full validation (USCC, city in province, ...)."""
    organization = Organization(**fields)
    organization.full_clean()
    organization.save()
    return organization


ORGANIZATION = "organization"


@transaction.atomic
def organization_save(*, organization: Organization) -> Organization:
    """Save an edited organisation (the back office) and append the change to the feed: its name is
    its provider's name in search text and hits."""
    organization.save()
    change_append(
        record_type=ORGANIZATION, record_id=organization.pk, kind="described", area=organization.province_id or ""
    )
    return organization


DIVISION = "division"


@transaction.atomic
def division_save(*, division: Division) -> Division:
    """Save an edited division (the back office) and append the change to the feed, in the same
    transaction: its names are the place of every site in it (search text, hits). The feed's record
    id is the six-digit code as a number."""
    division.save()
    change_append(record_type=DIVISION, record_id=int(division.code), kind="described", area=division.province_code)
    return division
