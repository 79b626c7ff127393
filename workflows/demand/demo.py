"""Demo demands on the demo catalogue: one waiting for a provider's confirmation, one waiting for the
user's choice. Idempotent: each is keyed by its note and created only when missing; both go through
the same services as the pages and the API.
"""

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from catalog.models import ComputeResource, ListingState, RecordState
from organizations.models import Division, User

from . import services
from .models import Demand, DemandStatus

DEMO_USER = "applicant_mianyang"
NOTE_SCHEDULED = "演示需求：大模型微调（已选择方案，待服务商确认）"
NOTE_OPEN = "演示需求：推理集群扩容（待选择方案）"


def _popular_model() -> str | None:
    """The accelerator model with the most available cards in the demo catalogue."""
    row = (
        ComputeResource.objects.filter(
            resource_class="intelligent",
            listing_state=ListingState.APPROVED,
            state=RecordState.ONLINE,
            billing_unit="card_hour",
        )
        .exclude(accelerator_model="")
        .values("accelerator_model")
        .annotate(cards=Sum("available_units"))
        .order_by("-cards", "accelerator_model")
        .first()
    )
    return row["accelerator_model"] if row else None


@transaction.atomic
def seed() -> list[str]:
    user = User.objects.filter(username=DEMO_USER).first()
    model = _popular_model()
    if user is None or model is None or not Division.objects.filter(code="510100").exists():
        return ["demand: no demo user or catalogue (run organizations.demo and catalog.demo first)"]
    created = 0
    if not Demand.objects.filter(user=user, note=NOTE_SCHEDULED).exists():
        demand = services.demand_submit(
            user=user,
            data={
                "resource_class": "intelligent",
                "accelerator_model": model,
                "card_count": 16,
                "duration_hours": 72,
                "city": Division.objects.get(code="510100"),
                "max_latency_ms": Decimal("30"),
                "note": NOTE_SCHEDULED,
            },
        )
        created += 1
        if demand.status == DemandStatus.MATCHED:
            services.demand_accept(demand=demand, match_id=demand.matches.order_by("rank")[0].pk, actor=user)
    if not Demand.objects.filter(user=user, note=NOTE_OPEN).exists():
        services.demand_submit(
            user=user,
            data={
                "resource_class": "intelligent",
                "min_fp16_tflops_total": Decimal("2000"),
                "card_count": 8,
                "duration_hours": 168,
                "city": Division.objects.get(code="510700"),
                "note": NOTE_OPEN,
            },
        )
        created += 1
    return [
        f"Demo demands: {created} created, {Demand.objects.filter(user=user).count()} for '{DEMO_USER}' "
        "(/demands/; providers confirm at /demands/scheduling/)"
    ]
