"""Resale offers (转售报价): reads and writes, keyword-only.

- A reseller publishes an offer only while its 转售调度资格 stands (checked at the moment of acting), on
  approved resources of certified resource providers named by identifier.
- The public list is filtered when read: inside the offer's window, the reseller still qualified today,
  every underlying resource still listed by a certified provider. Expiry or revocation hides the offers
  at once; nothing has to run for that.
- Its offers page says at once, when read, which offers stopped showing and why (``resale_lapse_read``: a GET
  writes nothing). The email that tells the reseller once is sent by the worker (``resale_lapse_notify``, the
  task ``resale_offers_lapse_notify``); a revocation also tells the reseller at once (the revoking service).
"""

import datetime

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import ComputeResource, ListingState, OnboardingState, Provider
from changes.services import change_append
from organizations.models import User
from organizations.roles import Role
from workflows.onboarding.models import ResellerQualification
from workflows.onboarding.selectors import reseller_qualification_current

from .on_behalf import reseller_may_act
from .resale_models import ResaleOffer

MAX_RESOURCES = 20
# the change feed's name for offers: a change drops the anonymous page cache's catalogue pages (their
# rows show offer summaries); no index or sync consumer reads this record type
FEED_TYPE = "resale_offer"


def _standing(on: datetime.date) -> Exists:
    return Exists(
        ResellerQualification.objects.filter(
            provider_id=OuterRef("reseller_id"), valid_from__lte=on, valid_until__gte=on, revoked_at__isnull=True
        )
    )


def _resources_fit() -> Q:
    """A resource an offer may be built on: listed, of a certified resource provider."""
    return Q(listing_state=ListingState.APPROVED, provider__onboarding_state=OnboardingState.CERTIFIED)


def _with_resources(offers: QuerySet) -> QuerySet:
    resources = ComputeResource.objects.select_related("provider__organization", "identifier").order_by("pk")
    return offers.select_related("reseller__organization").prefetch_related(Prefetch("resources", queryset=resources))


def resale_offers_public(*, on: datetime.date | None = None) -> QuerySet:
    """Offers anyone may see now (query-time check of window, qualification and underlying resources)."""
    on = on or timezone.localdate()
    unfit = ComputeResource.objects.filter(resale_offers=OuterRef("pk")).exclude(_resources_fit())
    offers = ResaleOffer.objects.filter(
        _standing(on),
        withdrawn_at__isnull=True,
        valid_from__lte=on,
        valid_until__gte=on,
        reseller__is_reseller=True,
        reseller__onboarding_state=OnboardingState.CERTIFIED,
    ).exclude(Exists(unfit))
    return _with_resources(offers)


def _reseller_of(user: User) -> Provider | None:
    return Provider.objects.filter(organization_id=getattr(user, "organization_id", None), is_reseller=True).first()


def resale_offers_of_reseller(*, user: User) -> tuple[Provider | None, list[ResaleOffer]]:
    """The user's organisation's offers, each with ``showing`` (whether the public list has it now)."""
    reseller = _reseller_of(user)
    if reseller is None:
        return None, []
    showing = set(resale_offers_public().filter(reseller=reseller).values_list("pk", flat=True))
    offers = list(_with_resources(ResaleOffer.objects.filter(reseller=reseller)))
    for offer in offers:
        offer.showing = offer.pk in showing
    return reseller, offers


def resale_lapse_read(*, reseller: Provider, offers: list[ResaleOffer]) -> tuple[str, list[ResaleOffer]]:
    """Why the reseller's live offers do not show now, and which (read only; ``("", [])`` while it is
    qualified). Each offer's ``lapse_reason`` is set in memory to what holds today."""
    today = timezone.localdate()
    live = [offer for offer in offers if offer.withdrawn_at is None and offer.valid_until >= today]
    if reseller_qualification_current(provider=reseller, on=today) is not None:
        for offer in offers:
            offer.lapse_reason = ""
        return "", []
    reason = _lapse_reason(_last_qualification(reseller))
    for offer in live:
        offer.lapse_reason = reason
    return reason, live


def resale_offer_get_for_reseller(*, user: User, pk: int) -> ResaleOffer | None:
    reseller = _reseller_of(user)
    return ResaleOffer.objects.filter(pk=pk, reseller=reseller).first() if reseller else None


def resale_offers_of_provider_resources(*, user: User) -> list[ResaleOffer]:
    """Who resells the user's organisation's resources: every offer naming one of them, shown or not."""
    offers = ResaleOffer.objects.filter(resources__provider__organization_id=user.organization_id).distinct()
    showing = set(resale_offers_public().filter(pk__in=offers.values("pk")).values_list("pk", flat=True))
    offers = list(_with_resources(offers))
    for offer in offers:
        offer.showing = offer.pk in showing
        offer.own_resources = [r for r in offer.resources.all() if r.provider.organization_id == user.organization_id]
    return offers


def _resources_from_codes(*, codes: list[str], reseller: Provider) -> list[ComputeResource]:
    if not codes:
        raise ValidationError({"identifiers": _("请至少填写一个所基于资源的算力标识。")})
    if len(codes) > MAX_RESOURCES:
        raise ValidationError({"identifiers": _("一条报价最多基于 %(n)s 个资源。") % {"n": MAX_RESOURCES}})
    found = {
        r.identifier.code: r
        for r in ComputeResource.objects.select_related("identifier", "provider").filter(identifier__code__in=codes)
    }
    errors = []
    for code in codes:
        resource = found.get(code)
        if resource is None:
            errors.append(_("算力标识 %(code)s 不是本节点已登记的算力资源。") % {"code": code})
        elif resource.provider_id == reseller.pk:
            errors.append(_("算力标识 %(code)s 是本单位自己的资源，无需以转售报价发布。") % {"code": code})
        elif not ComputeResource.objects.filter(_resources_fit(), pk=resource.pk).exists():
            errors.append(_("算力标识 %(code)s 对应的资源未上架或其提供商未通过认证，不能据以转售。") % {"code": code})
    if errors:
        raise ValidationError({"identifiers": errors})
    return [found[code] for code in codes]


@transaction.atomic
def resale_offer_publish(*, actor: User, data: dict) -> ResaleOffer:
    """Publish an offer of the actor's organisation; field-level errors; only while qualified today."""
    reseller_may_act(user=actor, field=None)
    reseller = _reseller_of(actor)
    if reseller is None:
        raise ValidationError(_("本单位不是算力转售调度服务商。"))
    qualification = reseller_qualification_current(provider=reseller)
    resources = _resources_from_codes(codes=data["identifiers"], reseller=reseller)
    today = timezone.localdate()
    if data["valid_until"] < data["valid_from"]:
        raise ValidationError({"valid_until": _("有效期至不能早于有效期自。")})
    if data["valid_until"] < today:
        raise ValidationError({"valid_until": _("有效期至不能早于今天。")})
    if data["valid_until"] > qualification.valid_until:
        raise ValidationError(
            {
                "valid_until": _("报价有效期不能超过本单位转售调度资格的有效期（至 %(day)s）。")
                % {"day": qualification.valid_until.isoformat()}
            }
        )
    offer = ResaleOffer(
        reseller=reseller,
        title=data["title"],
        price_yuan=data["price_yuan"],
        billing_unit=data["billing_unit"],
        terms=data["terms"],
        valid_from=data["valid_from"],
        valid_until=data["valid_until"],
        created_by=actor,
    )
    offer.full_clean(exclude=["reseller", "created_by"])
    offer.save()
    offer.resources.set(resources)
    change_append(record_type=FEED_TYPE, record_id=offer.pk, kind="published")
    return offer


@transaction.atomic
def resale_offer_withdraw(*, offer: ResaleOffer, actor: User) -> ResaleOffer:
    """The reseller takes its offer back (allowed whether qualified or not)."""
    offer = ResaleOffer.objects.select_for_update().get(pk=offer.pk)
    if offer.withdrawn_at is None:
        offer.withdrawn_at = timezone.now()
        offer.save(update_fields=["withdrawn_at"])
        change_append(record_type=FEED_TYPE, record_id=offer.pk, kind="withdrawn")
    return offer


def _last_qualification(reseller: Provider) -> ResellerQualification | None:
    return ResellerQualification.objects.filter(provider=reseller).order_by("-valid_until").first()


def _lapse_reason(last: ResellerQualification | None) -> str:
    """Why the offers stopped showing, from the reseller's last qualification (None: it never had one)."""
    if last is None:
        return _("本单位没有转售调度资格")
    if last.revoked_at is not None:
        return _("转售调度资格（%(number)s）已于 %(day)s 被撤销") % {
            "number": last.number,
            "day": timezone.localtime(last.revoked_at).date().isoformat(),
        }
    return _("转售调度资格（%(number)s）已于 %(day)s 到期") % {
        "number": last.number,
        "day": last.valid_until.isoformat(),
    }


def resale_lapse_notify(*, reseller: Provider | None = None) -> int:
    """Tell each reseller once that its live offers stopped showing because its qualification no longer
    stands (notice on the offers page + one email, none after a revocation, whose own email said so); an
    offer shown again (qualification renewed) may be told again later. Returns how many resellers were told."""
    today = timezone.localdate()
    offers = ResaleOffer.objects.filter(withdrawn_at__isnull=True, valid_until__gte=today)
    if reseller is not None:
        offers = offers.filter(reseller=reseller)
    offers.filter(_standing(today), lapse_notified_at__isnull=False).update(lapse_notified_at=None, lapse_reason="")
    lapsed = offers.filter(~_standing(today), lapse_notified_at__isnull=True)
    told = 0
    for reseller_id in sorted(set(lapsed.values_list("reseller_id", flat=True))):
        with transaction.atomic():
            rows = list(lapsed.select_for_update().filter(reseller_id=reseller_id))
            if not rows:
                continue
            provider = Provider.objects.select_related("organization").get(pk=reseller_id)
            last = _last_qualification(provider)
            reason = _lapse_reason(last)
            ResaleOffer.objects.filter(pk__in=[row.pk for row in rows]).update(
                lapse_notified_at=timezone.now(), lapse_reason=reason
            )
            recipients = sorted(
                set(
                    User.objects.filter(organization_id=provider.organization_id, is_active=True)
                    .filter(Q(groups__name=Role.RESELLER.value) | Q(pk__in=[row.created_by_id for row in rows]))
                    .exclude(email="")
                    .values_list("email", flat=True)
                )
            )
            subject = _("【转售报价】%(n)s 条报价已停止展示") % {"n": len(rows)}
            body = _(
                "%(org)s：因%(reason)s，以下转售报价已停止在公开目录中展示：\n%(titles)s\n"
                "重新取得资格后报价将恢复展示。"
            ) % {
                "org": provider.organization.name,
                "reason": reason,
                "titles": "\n".join(f"- {row.title}" for row in rows),
            }
            # after a revocation its own email already said that the offers stopped showing: no second one
            if recipients and not (last is not None and last.revoked_at is not None):
                transaction.on_commit(
                    lambda s=subject, b=body, r=recipients: send_mail(s, b, None, r, fail_silently=True)
                )
            told += 1
    return told
