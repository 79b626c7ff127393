"""Reads of the public catalogue: what an anonymous visitor may browse (approved records only).

The catalogue listing, the provider directory, site pages and the home page's headline figures all
read here, so "what is public" is decided in one place.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, QuerySet, Sum

from organizations.models import Division

from .models import (
    AppService,
    ComputeResource,
    ListingState,
    NetworkLine,
    OnboardingState,
    Provider,
    ResourceClass,
    Site,
)

# Providers the directory lists: certified ones, and suspended ones (shown as such).
DIRECTORY_STATES = (OnboardingState.CERTIFIED, OnboardingState.SUSPENDED)
APPROVED = Q(listing_state=ListingState.APPROVED)


def public_resources(
    *,
    resource_class: str = "",
    province_code: str = "",
    provider_id: int | None = None,
    state: str = "",
    site_id: int | None = None,
) -> QuerySet[ComputeResource]:
    """Approved compute resources, filtered; ordered by class, province, provider, name."""
    queryset = ComputeResource.objects.filter(APPROVED).select_related(
        "provider__organization", "site__city", "identifier"
    )
    if resource_class:
        queryset = queryset.filter(resource_class=resource_class)
    if province_code:
        queryset = queryset.filter(province_code=province_code)
    if provider_id:
        queryset = queryset.filter(provider_id=provider_id)
    if state:
        queryset = queryset.filter(state=state)
    if site_id:
        queryset = queryset.filter(site_id=site_id)
    return queryset.order_by("resource_class", "province_code", "provider__organization__name", "name", "pk")


def public_lines(
    *, province_code: str = "", provider_id: int | None = None, state: str = "", site_id: int | None = None
) -> QuerySet[NetworkLine]:
    queryset = NetworkLine.objects.filter(APPROVED).select_related(
        "provider__organization", "from_city", "to_site__city", "identifier"
    )
    if province_code:
        queryset = queryset.filter(to_site__province_id=province_code)
    if provider_id:
        queryset = queryset.filter(provider_id=provider_id)
    if state:
        queryset = queryset.filter(state=state)
    if site_id:
        queryset = queryset.filter(to_site_id=site_id)
    return queryset.order_by("provider__organization__name", "name", "pk")


def public_app_services(*, provider_id: int | None = None, state: str = "") -> QuerySet[AppService]:
    queryset = AppService.objects.filter(APPROVED).select_related("provider__organization", "identifier")
    if provider_id:
        queryset = queryset.filter(provider_id=provider_id)
    if state:
        queryset = queryset.filter(state=state)
    return queryset.order_by("provider__organization__name", "name", "pk")


def directory_providers() -> QuerySet[Provider]:
    """Providers in the public directory, with how many public records of each kind they have."""
    return (
        Provider.objects.filter(onboarding_state__in=DIRECTORY_STATES)
        .select_related("organization")
        .annotate(
            public_resource_count=Count(
                "resources", filter=Q(resources__listing_state=ListingState.APPROVED), distinct=True
            ),
            public_line_count=Count("lines", filter=Q(lines__listing_state=ListingState.APPROVED), distinct=True),
            public_app_count=Count(
                "app_services", filter=Q(app_services__listing_state=ListingState.APPROVED), distinct=True
            ),
            site_count=Count("sites", distinct=True),
        )
        .order_by("organization__name")
    )


def directory_provider_get(*, pk: int) -> Provider | None:
    return directory_providers().filter(pk=pk).first()


def provider_sites(*, provider: Provider) -> QuerySet[Site]:
    return public_sites(provider_id=provider.pk)


def public_sites(*, provider_id: int | None = None, province_code: str = "") -> QuerySet[Site]:
    """Sites of directory providers (sites of providers not in the directory are not public), with how many
    public resources each has; by provider, then site code."""
    queryset = (
        Site.objects.filter(provider__onboarding_state__in=DIRECTORY_STATES)
        .select_related("provider__organization", "province", "city")
        .annotate(public_resource_count=Count("resources", filter=Q(resources__listing_state=ListingState.APPROVED)))
    )
    if provider_id:
        queryset = queryset.filter(provider_id=provider_id)
    if province_code:
        queryset = queryset.filter(province_id=province_code)
    return queryset.order_by("provider__organization__name", "code", "pk")


def public_site_get(*, pk: int) -> Site | None:
    return public_sites().filter(pk=pk).first()


def public_identifier_get(*, code: str):
    """A public identifier, with its record: an issued, filed or active identifier of an approved record
    (suspended and revoked identifiers are not public); None otherwise. A malformed code raises
    ``MalformedIdentifier``. The record page and the catalogue read API both read here."""
    from organizations.identifiers import parse_identifier

    from .resolution import PUBLISHED_STATES
    from .selectors import identifier_get

    identifier = identifier_get(code=str(parse_identifier(code)))
    if identifier is None or identifier.state not in PUBLISHED_STATES or not identifier.record.is_public:
        return None
    return identifier


def filter_provinces() -> QuerySet[Division]:
    """Provinces that have at least one public resource (the listing's province filter)."""
    codes = ComputeResource.objects.filter(APPROVED).values("province_code")
    return Division.objects.filter(code__in=codes).order_by("code")


def filter_providers() -> QuerySet[Provider]:
    """Providers with at least one public resource (the listing's provider filter)."""
    ids = ComputeResource.objects.filter(APPROVED).values("provider_id")
    return Provider.objects.filter(pk__in=ids).select_related("organization").order_by("organization__name")


@dataclass(frozen=True)
class HeadlineFigures:
    providers: int
    resources: int
    resources_by_class: list[tuple[str, str, int]]  # (class code, label, count)
    fp16_pflops: Decimal
    fp16_unknown_resources: int
    cards: int
    lines: int
    app_services: int


def headline_figures() -> HeadlineFigures:
    """The home page's figures, computed from the public catalogue (nothing typed in).

    Total FP16 is the sum over approved resources of cards × the stated per-card dense FP16 peak;
    resources whose per-card figure is unknown are counted separately, never estimated.
    """
    resources = ComputeResource.objects.filter(APPROVED)
    by_class = dict(resources.values_list("resource_class").annotate(n=Count("pk")).order_by())
    tflops = ExpressionWrapper(
        F("fp16_tflops_per_card") * F("accelerators_per_node") * F("node_count"),
        output_field=DecimalField(max_digits=20, decimal_places=2),
    )
    totals = resources.aggregate(
        fp16=Sum(tflops),
        cards=Sum(F("accelerators_per_node") * F("node_count")),
        unknown=Count("pk", filter=Q(fp16_tflops_per_card__isnull=True, accelerators_per_node__gt=0)),
    )
    fp16_tflops = Decimal(totals["fp16"] or 0)
    return HeadlineFigures(
        providers=Provider.objects.filter(onboarding_state=OnboardingState.CERTIFIED).count(),
        resources=sum(by_class.values()),
        resources_by_class=[
            (choice.value, str(choice.label), by_class.get(choice.value, 0)) for choice in ResourceClass
        ],
        fp16_pflops=(fp16_tflops / 1000).quantize(Decimal("0.1")),
        fp16_unknown_resources=totals["unknown"] or 0,
        cards=totals["cards"] or 0,
        lines=NetworkLine.objects.filter(APPROVED).count(),
        app_services=AppService.objects.filter(APPROVED).count(),
    )
