"""Writes of the onboarding processes (keyword-only, typed, one transaction each).

Flow nodes and views call these; the catalogue is changed only through catalog.services
(record_approve, identifier_issue, line_upsert) except for the provider's onboarding state and
kinds, which have no catalogue service yet and are set here on the catalogue models.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Process

from catalog import services as catalog_services
from catalog.models import (
    AppService,
    ComputeResource,
    Identifier,
    IdentifierState,
    ListingState,
    NetworkLine,
    OnboardingState,
    Provider,
    Site,
)
from catalog.services.upstream import identifier_filing_enqueue
from changes.services import change_append
from organizations.models import Organization, User

from .models import (
    ApplicationSite,
    Decision,
    OnboardingEvent,
    ProviderApplication,
    ResellerApplication,
    ResellerQualification,
    Reviewed,
)
from .qualifications import FEED_TYPE as QUALIFICATION_FEED_TYPE

KIND_FIELDS = ("is_resource_provider", "is_line_provider", "is_app_service_provider")


def event_record(*, process: Process, action: str, actor: User | None, opinion: str = "") -> OnboardingEvent:
    return OnboardingEvent.objects.create(process=process, action=action, actor=actor, opinion=opinion)


def _provider_for(organization: Organization) -> Provider:
    provider, _created = Provider.objects.select_for_update().get_or_create(organization=organization)
    return provider


# --- Provider onboarding 入网入市 -------------------------------------------------------------


@transaction.atomic
def provider_application_submit(
    *,
    process: Process,
    organization: Organization,
    actor: User,
    kinds: dict[str, bool],
    licences: str,
    contact_name: str,
    contact_phone: str,
    sites: list[dict],
    document=None,
) -> ProviderApplication:
    """An organisation applies: its provider row enters (or re-enters) the "applied" state."""
    if not any(kinds.get(name) for name in KIND_FIELDS):
        raise ValidationError({"is_resource_provider": _("请至少选择一种服务商类型。")})
    provider = _provider_for(organization)
    if provider.onboarding_state == OnboardingState.CERTIFIED and all(
        getattr(provider, name) or not kinds.get(name) for name in KIND_FIELDS
    ):
        raise ValidationError({"is_resource_provider": _("本单位已通过这些类型的入网认证，无需重复申请。")})
    if provider.onboarding_state != OnboardingState.CERTIFIED:
        provider.onboarding_state = OnboardingState.APPLIED
    provider.contact_name, provider.contact_phone = contact_name, contact_phone
    provider.save()
    application = ProviderApplication.objects.create(
        process=process,
        organization=organization,
        provider=provider,
        submitted_by=actor,
        licences=licences,
        contact_name=contact_name,
        contact_phone=contact_phone,
        document=document or "",
        **{name: bool(kinds.get(name)) for name in KIND_FIELDS},
    )
    for site in sites:
        ApplicationSite.objects.create(application=application, **site)
    _records_name(application=application)
    event_record(process=process, action=_("提交入网入市申请"), actor=actor)
    return application


@transaction.atomic
def provider_application_revise(
    *,
    application: ProviderApplication,
    actor: User,
    licences: str,
    contact_name: str,
    contact_phone: str,
    document=None,
) -> ProviderApplication:
    """The applicant supplements a returned application; it goes back to the operator."""
    application.licences, application.contact_name, application.contact_phone = licences, contact_name, contact_phone
    if document:
        application.document = document
    application.decision, application.opinion = "", ""
    application.save()
    _records_name(application=application)
    Provider.objects.filter(pk=application.provider_id, onboarding_state=OnboardingState.RETURNED).update(
        onboarding_state=OnboardingState.APPLIED
    )
    event_record(process=application.process, action=_("补充材料后重新提交"), actor=actor)
    return application


def request_decide(*, request: Reviewed, decision: str, opinion: str, actor: User) -> None:
    opinion = (opinion or "").strip()
    if decision not in Decision.values:
        raise ValidationError({"decision": _("请选择审核结论。")})
    if decision != Decision.APPROVE and not opinion:
        raise ValidationError({"opinion": _("退回或不予通过时请填写审核意见。")})
    request.decision, request.opinion = decision, opinion
    request.decided_by, request.decided_at = actor, timezone.now()
    request.save()
    event_record(process=request.process, action=str(Decision(decision).label), actor=actor, opinion=opinion)


@transaction.atomic
def provider_application_decide(
    *, application: ProviderApplication, decision: str, opinion: str, actor: User
) -> ProviderApplication:
    """The node operator certifies: approve (provider certified in the kinds applied for), return, reject."""
    request_decide(request=application, decision=decision, opinion=opinion, actor=actor)
    provider = Provider.objects.select_for_update().get(pk=application.provider_id)
    if decision == Decision.APPROVE:
        provider.onboarding_state = OnboardingState.CERTIFIED
        provider.certified_at = provider.certified_at or timezone.now()
        for name in KIND_FIELDS:
            setattr(provider, name, getattr(provider, name) or getattr(application, name))
        provider.save()
        _sites_create(application=application, provider=provider)
    elif provider.onboarding_state != OnboardingState.CERTIFIED:  # a certified provider keeps its standing
        provider.onboarding_state = (
            OnboardingState.RETURNED if decision == Decision.RETURN else OnboardingState.REJECTED
        )
        provider.save(update_fields=["onboarding_state"])
    return application


def _sites_create(*, application: ProviderApplication, provider: Provider) -> None:
    for declared in application.sites.filter(site__isnull=True).select_related("city"):
        code = f"S{application.pk:04d}-{declared.pk:03d}"
        site, _created = Site.objects.get_or_create(
            provider=provider,
            code=code,
            defaults={
                "name": declared.name,
                "province_id": declared.city_id[:2] + "0000",
                "city_id": declared.city_id,
                "address": declared.address,
            },
        )
        declared.site = site
        declared.save(update_fields=["site"])


def _records_name(*, application: ProviderApplication) -> None:
    """The request names the records it covers: the provider's records not taken out of the catalogue (pending
    or listed) as they stand when it is (re)submitted."""
    named = ((application.resources, ComputeResource), (application.lines, NetworkLine))
    for manager, model in (*named, (application.app_services, AppService)):
        manager.set(model.objects.filter(provider=application.provider).exclude(listing_state=ListingState.DELISTED))


def _named_records(application: ProviderApplication) -> list:
    """The records the request named that are still in the catalogue (not delisted since)."""
    return [record for record in application.named_records if record.listing_state != ListingState.DELISTED]


@transaction.atomic
def provider_identifiers_issue(*, application: ProviderApplication, actor: User | None) -> list[str]:
    """Issue an identifier to each record the request named (once for life)."""
    codes = [
        catalog_services.identifier_issue(record=record, actor=actor, reason=_("入网入市认证通过，发放算力标识。")).code
        for record in _named_records(application)
    ]
    event_record(
        process=application.process,
        action=_("发放算力标识 %(count)s 个") % {"count": len(codes)},
        actor=None,
        opinion="\n".join(codes),
    )
    return codes


@transaction.atomic
def provider_identifiers_file(*, application: ProviderApplication) -> int:
    """Queue the filing of the provider's issued identifiers with the national node (durable outbox;
    the ``federation_drain`` job delivers them, with retries, whether or not the national node is up)."""
    count = 0
    for record in _named_records(application):
        identifier = Identifier.objects.filter(**{_record_field(record): record}, state=IdentifierState.ISSUED).first()
        if identifier is not None:
            identifier_filing_enqueue(identifier_id=identifier.pk)
            count += 1
    event_record(
        process=application.process,
        action=_("提交国家节点备案 %(count)s 个") % {"count": count},
        actor=None,
    )
    return count


def _record_field(record) -> str:
    return {ComputeResource: "resource", NetworkLine: "line", AppService: "app_service"}[type(record)]


@transaction.atomic
def provider_records_list(*, application: ProviderApplication, actor: User | None) -> int:
    """List the records the request named in the public catalogue (nothing else of the provider's)."""
    records = _named_records(application)
    for record in records:
        catalog_services.record_approve(record=record, actor=actor)
    event_record(
        process=application.process,
        action=_("上架算力目录 %(count)s 条") % {"count": len(records)},
        actor=None,
    )
    return len(records)


# --- Reseller qualification 资格获取 ----------------------------------------------------------


@transaction.atomic
def reseller_application_submit(
    *, process: Process, organization: Organization, actor: User, business_scope: str, requested_years: int
) -> ResellerApplication:
    if not (business_scope or "").strip():
        raise ValidationError({"business_scope": _("请说明转售调度业务。")})
    provider = _provider_for(organization)
    if provider.onboarding_state not in (OnboardingState.CERTIFIED, OnboardingState.APPLIED):
        provider.onboarding_state = OnboardingState.APPLIED
        provider.save(update_fields=["onboarding_state"])
    application = ResellerApplication.objects.create(
        process=process,
        organization=organization,
        provider=provider,
        submitted_by=actor,
        business_scope=business_scope.strip(),
        requested_years=requested_years,
    )
    event_record(process=process, action=_("提交转售调度资格申请"), actor=actor)
    return application


@transaction.atomic
def reseller_application_revise(
    *, application: ResellerApplication, actor: User, business_scope: str, requested_years: int
) -> ResellerApplication:
    if not (business_scope or "").strip():
        raise ValidationError({"business_scope": _("请说明转售调度业务。")})
    application.business_scope, application.requested_years = business_scope.strip(), requested_years
    application.decision, application.opinion = "", ""
    application.save()
    event_record(process=application.process, action=_("补充材料后重新提交"), actor=actor)
    return application


@transaction.atomic
def reseller_application_decide(
    *,
    application: ResellerApplication,
    decision: str,
    opinion: str,
    actor: User,
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
) -> ResellerApplication:
    if decision == Decision.APPROVE:
        if not valid_from:
            raise ValidationError({"valid_from": _("请填写资格有效期起始日。")})
        if not valid_until:
            raise ValidationError({"valid_until": _("请填写资格有效期截止日。")})
        if valid_until < valid_from:
            raise ValidationError({"valid_until": _("有效期截止日不能早于起始日。")})
    request_decide(request=application, decision=decision, opinion=opinion, actor=actor)
    if decision == Decision.APPROVE:
        # kept on the process until the grant step runs
        application.process.data = {"valid_from": valid_from.isoformat(), "valid_until": valid_until.isoformat()}
        application.process.save(update_fields=["data"])
    return application


@transaction.atomic
def reseller_qualification_grant(*, application: ResellerApplication) -> ResellerQualification:
    """Grant the qualification for the approved period; the provider becomes a reseller until then."""
    period = application.process.data
    valid_from = datetime.date.fromisoformat(period["valid_from"])
    valid_until = datetime.date.fromisoformat(period["valid_until"])
    qualification, _created = ResellerQualification.objects.get_or_create(
        application=application,
        defaults={
            "provider": application.provider,
            "number": f"ZS{valid_from:%Y}{application.pk:06d}",
            "valid_from": valid_from,
            "valid_until": valid_until,
            "granted_by": application.decided_by,
        },
    )
    provider = Provider.objects.select_for_update().get(pk=application.provider_id)
    provider.is_reseller = True
    if provider.onboarding_state != OnboardingState.CERTIFIED:
        provider.onboarding_state = OnboardingState.CERTIFIED
        provider.certified_at = timezone.now()
    if provider.reseller_qualified_until is None or provider.reseller_qualified_until < valid_until:
        provider.reseller_qualified_until = valid_until
    provider.save()
    change_append(record_type=QUALIFICATION_FEED_TYPE, record_id=qualification.pk, kind="granted")
    event_record(
        process=application.process,
        action=_("授予转售调度资格 %(number)s") % {"number": qualification.number},
        actor=None,
        opinion=f"{valid_from} — {valid_until}",
    )
    return qualification


@transaction.atomic
def reseller_application_close_unapproved(*, application: ResellerApplication) -> None:
    Provider.objects.filter(pk=application.provider_id, onboarding_state=OnboardingState.APPLIED).update(
        onboarding_state=OnboardingState.REJECTED
    )
