"""Reads and rules of false-materials findings: who may record and see them, which findings bar an application.

A provincial reviewer of the application's province or a ministry reviewer records and sees them; a municipal
reviewer, another province's reviewer and the applicant do not (their pages answer 404). The bar itself is
read by ``eligibility.check_false_materials``."""

import datetime

from django.db.models import Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.models import AuthorityLevel, User
from organizations.org_code import is_org_code

from . import selectors
from .models import FalseMaterialFinding, FindingScope, NodeApplication

_LEVELS = (AuthorityLevel.PROVINCE, AuthorityLevel.MINISTRY)


def is_ministry(user: User) -> bool:
    return selectors.is_reviewer(user) and user.authority.level == AuthorityLevel.MINISTRY


def can_record(*, user: User, application: NodeApplication) -> bool:
    """Provincial reviewers of the application's province, and the ministry."""
    if not selectors.is_reviewer(user) or user.authority.level not in _LEVELS:
        return False
    return user.authority.covers(application.campaign.province_id)


def finding_list_for_user(*, user: User) -> QuerySet[FalseMaterialFinding]:
    """The findings this reviewer may see: those on applications of its province (every one for the ministry)."""
    queryset = FalseMaterialFinding.objects.select_related(
        "organization", "campaign", "application", "recorded_by", "withdrawn_by"
    )
    if not selectors.is_reviewer(user) or user.authority.level not in _LEVELS:
        return queryset.none()
    prefix = user.authority.jurisdiction_prefix
    return queryset.filter(province_code__startswith=prefix) if prefix else queryset


def finding_get_for_user(*, user: User, pk: int) -> FalseMaterialFinding | None:
    return finding_list_for_user(user=user).filter(pk=pk).first()


def application_usccs(application: NodeApplication) -> set[str]:
    """Every USCC the application names: the consortium's and the two entities' (its own organisation is matched by
    key: a USCC belongs to one organisation)."""
    codes = {application.lead_uscc, application.joint1_uscc, application.joint2_uscc}
    for entity in (application.construction_entity, application.operating_entity):
        if entity is not None:
            codes.add(entity.uscc)
    return {code.strip().upper() for code in codes if code}


def in_force_against(application: NodeApplication) -> QuerySet[FalseMaterialFinding]:
    """The findings in force that bar this application: against its organisation or any USCC it names, covering its
    campaign (this campaign, every campaign of its province, or all)."""
    campaign = application.campaign
    named = application_usccs(application)
    # a unit named by its old organisation code is the unit whose USCC carries that code (positions 9-17)
    org_codes = [code.replace("-", "") for code in named if is_org_code(code)]
    who = Q(organization_id=application.organization_id) | Q(uscc__in=named) | Q(uscc_org_code__in=org_codes)
    where = (
        Q(scope=FindingScope.ALL)
        | Q(scope=FindingScope.PROVINCE, province_code=campaign.province_id)
        | Q(scope=FindingScope.CAMPAIGN, campaign_id=campaign.pk)
    )
    return (
        FalseMaterialFinding.objects.annotate(uscc_org_code=Substr("uscc", 9, 9))
        .filter(who, where, withdrawn_at__isnull=True)
        .select_related("campaign", "organization")
        .order_by("recorded_at", "pk")
    )


def local_day(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d")


def scope_text(finding: FalseMaterialFinding) -> str:
    if finding.scope == FindingScope.CAMPAIGN:
        return _("“%(campaign)s”批次") % {"campaign": finding.campaign.name}
    if finding.scope == FindingScope.PROVINCE:
        return _("%(province)s的全部批次") % {"province": finding.campaign.province.display_name}
    return _("全部批次")
