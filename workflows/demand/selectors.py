"""Reads of the demand process: the rows matching works on, and what each person may see."""

import math

from django.db.models import F, Prefetch, QuerySet
from django.db.models.functions import Coalesce
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from catalog.availability import free_units
from catalog.models import ComputeResource, ListingState, NetworkLine, OnboardingState, RecordState
from catalog.selectors import provider_for_user
from orders.models import Hold
from organizations.predicates import is_provider, is_reseller

from .models import Demand, DemandMatch, MatchAllotment, SchedulingRecord, SchedulingStatus

ACTIVE_TASK = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]

RESOURCE_FIELDS = (
    "id",
    "provider_id",
    "site_id",
    "province_code",
    "city_code",
    "resource_class",
    "accelerator_model",
    "accelerators_per_node",
    "billing_unit",
    "price_yuan",
    "available_units",
    "listing_state",
    "state",
)


def resource_rows_for_matching(*, resource_class: str) -> list[dict]:
    """Approved, online resources of the class with units left, as plain rows; ``available_units`` is what
    the provider reported minus what is held for buyers and allocated to orders (``reported_units`` keeps
    the report)."""
    queryset = (
        ComputeResource.objects.filter(
            resource_class=resource_class,
            listing_state=ListingState.APPROVED,
            state=RecordState.ONLINE,
            available_units__gt=0,
        )
        .annotate(fp16=Coalesce("fp16_tflops_per_card", "accelerator__fp16_tflops"), free=free_units())
        .filter(free__gt=0)
        .annotate(provider_state=F("provider__onboarding_state"), reliability_percent=F("reliability__score_percent"))
        .values(*RESOURCE_FIELDS, "fp16", "free", "provider_state", "reliability_percent")
        .order_by("id")
    )
    rows = list(queryset)
    for row in rows:
        row["fp16_tflops_per_card"] = row.pop("fp16")
        row["provider_certified"] = row.pop("provider_state") == OnboardingState.CERTIFIED
        row["reported_units"] = row["available_units"]
        row["reliability"] = row.pop("reliability_percent")  # monitoring.ResourceReliability; None: unknown
        row["available_units"] = row.pop("free")
    return rows


def line_rows_for_matching(*, city_code: str) -> list[dict]:
    """Approved, online lines from the user's city."""
    return list(
        NetworkLine.objects.filter(
            from_city_id=city_code, listing_state=ListingState.APPROVED, state=RecordState.ONLINE
        )
        .values(
            "id",
            "from_city_id",
            "to_site_id",
            "latency_ms",
            "bandwidth_mbps",
            "price_yuan_per_month",
            "listing_state",
            "state",
        )
        .order_by("id")
    )


def demand_list_for_user(*, user) -> QuerySet[Demand]:
    if not user.is_authenticated:
        return Demand.objects.none()
    return Demand.objects.filter(user=user).select_related("city")


def demand_get_for_user(*, user, pk: int) -> Demand | None:
    """The user's own demand with its matches; anyone else's is None (404)."""
    return (
        demand_list_for_user(user=user)
        .prefetch_related(
            Prefetch(
                "matches",
                queryset=DemandMatch.objects.order_by("rank").prefetch_related(
                    Prefetch(
                        "allotments",
                        queryset=MatchAllotment.objects.select_related(
                            "resource__provider__organization",
                            "resource__site__city",
                            "resource__identifier",
                            "line",
                        ).order_by("pk"),
                    )
                ),
            ),
            Prefetch(
                "scheduling_records",
                queryset=SchedulingRecord.objects.select_related("provider__organization").order_by("pk"),
            ),
        )
        .filter(pk=pk)
        .first()
    )


def demand_active_task(*, demand: Demand, node) -> Task | None:
    """The demand's open task at a node of DemandFlow (None when there is none: finished or elsewhere)."""
    if demand.process_id is None:
        return None
    return Task.objects.filter(process_id=demand.process_id, flow_task=node, status__in=ACTIVE_TASK).first()


def is_provider_staff(user) -> bool:
    return bool(user.is_authenticated and user.organization_id and (is_provider(user) or is_reseller(user)))


def scheduling_list_for_provider(*, user) -> QuerySet[SchedulingRecord]:
    """Scheduling records of the user's own provider (nothing for anyone else)."""
    provider = provider_for_user(user=user) if is_provider_staff(user) else None
    if provider is None:
        return SchedulingRecord.objects.none()
    return (
        SchedulingRecord.objects.filter(provider=provider)
        .select_related("demand__city", "demand__user", "demand__organization", "match", "decided_by")
        .prefetch_related("resources")
        .order_by("status", "-accepted_at", "-pk")
    )


def scheduling_get_for_provider(*, user, pk: int) -> SchedulingRecord | None:
    return scheduling_list_for_provider(user=user).filter(pk=pk).first()


def scheduling_pending_count(*, user) -> int:
    return scheduling_list_for_provider(user=user).filter(status=SchedulingStatus.PENDING).count()


def match_allotments(*, match: DemandMatch, provider_id: int | None = None) -> QuerySet[MatchAllotment]:
    queryset = MatchAllotment.objects.filter(match=match).select_related(
        "resource__site__city", "resource__identifier", "line"
    )
    if provider_id is not None:
        queryset = queryset.filter(resource__provider_id=provider_id)
    return queryset.order_by("pk")


def units_for_cards(*, cards: int, billing_unit: str, accelerators_per_node: int | None) -> int:
    """Cards in the resource's billing unit (whole nodes for node-hour resources)."""
    if billing_unit == "node_hour":
        return math.ceil(cards / max(1, accelerators_per_node or 1))
    return cards


def provider_of_request(*, user, auth) -> object | None:
    """The provider acting: its API key's, or the signed-in provider staff's own (None for anyone else)."""
    from catalog.models import ProviderApiKey

    if isinstance(auth, ProviderApiKey):
        return auth.provider
    if auth is not None:  # another kind of key (a buyer's) never acts for a provider
        return None
    return provider_for_user(user=user) if is_provider_staff(user) else None


HOLD_REFERENCE_PREFIX = "match:"


def provider_hold_with_record(*, provider, pk: int) -> tuple | None:
    """A hold of this provider placed by accepting a plan, with the provider's scheduling record of that plan."""
    if provider is None:
        return None
    hold = Hold.objects.filter(provider=provider, pk=pk, reference__startswith=HOLD_REFERENCE_PREFIX).first()
    match_id = hold.reference.removeprefix(HOLD_REFERENCE_PREFIX) if hold else ""
    if not match_id.isdigit():
        return None
    record = (
        SchedulingRecord.objects.select_related("demand", "match")
        .filter(match_id=int(match_id), provider_id=provider.pk)
        .first()
    )
    return (hold, record) if record is not None else None
