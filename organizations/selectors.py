"""Reads of the organizations app, including the one jurisdiction filter every app uses."""

from django.db.models import Q, QuerySet

from .models import Authority, Division, Organization, User
from .roles import Role


def user_roles(*, user: User) -> list[Role]:
    if not user.is_authenticated:
        return []
    names = set(user.groups.values_list("name", flat=True))
    return [role for role in Role if role.value in names]


def jurisdiction_q(*, user: User, field: str) -> Q:
    """A filter keeping rows whose ``field`` (a division code) lies in the user's jurisdiction.

    Users without an authority match nothing; a ministry authority matches everything.
    """
    authority = getattr(user, "authority", None)
    if authority is None:
        return Q(pk__in=[])
    prefix = authority.jurisdiction_prefix
    return Q() if not prefix else Q(**{f"{field}__startswith": prefix})


def organization_list_for_user(*, user: User) -> QuerySet[Organization]:
    """Organisations this user may see: their own, or those in their authority's jurisdiction."""
    queryset = Organization.objects.select_related("province", "city")
    if user.is_superuser or user.groups.filter(name=Role.NODE_OPERATOR.value).exists():
        return queryset
    if user.authority_id:
        prefix = user.authority.jurisdiction_prefix
        if not prefix:
            return queryset
        # A city code starts with its province's two digits, so one prefix test covers both levels;
        # an organisation known only by its province is outside every city's jurisdiction.
        return queryset.filter(
            Q(city__code__startswith=prefix) | Q(city__isnull=True, province__code__startswith=prefix)
        )
    if user.organization_id:
        return queryset.filter(pk=user.organization_id)
    return queryset.none()


def division_list(*, level: str | None = None, parent: str | None = None) -> QuerySet[Division]:
    queryset = Division.objects.all()
    if level:
        queryset = queryset.filter(level=level)
    if parent:
        queryset = queryset.filter(parent_id=parent)
    return queryset


def authority_list_covering(*, division_code: str) -> QuerySet[Authority]:
    """Authorities whose jurisdiction includes the given place (ministry, its province, its city)."""
    return Authority.objects.filter(
        Q(level="ministry") | Q(division_id=division_code[:2] + "0000") | Q(division_id=division_code[:4] + "00")
    )
