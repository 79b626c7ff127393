"""Confirmed scheduling records from before holds existed take their cards from the market.

A provider's confirmation used to end in a scheduling record and nothing else: the cards it confirmed
were never counted, so selection still showed them as available. For each such record (confirmed, and
no hold ever placed for its match and provider) whose service period (confirmation + the demand's
hours) has not ended, this migration adds the units of the provider's allotments in the match to the
resources' allocated counters and records the order the confirmation would make today (state
confirmed), so that the provider can complete or cancel it and the cards come back through the usual
services (and a ``capacity`` change of each resource goes on the change feed, so selection shows the
cards as taken). Records whose period has ended are left alone (nothing is in use any more). Running it on a
database without such records changes nothing.
"""

from datetime import timedelta
from decimal import Decimal

from django.db import migrations
from django.db.models import F
from django.utils import timezone

HOURS_PER_MONTH = Decimal(720)


def backfill(apps, schema_editor=None) -> int:
    SchedulingRecord = apps.get_model("demand", "SchedulingRecord")
    MatchAllotment = apps.get_model("demand", "MatchAllotment")
    Hold = apps.get_model("orders", "Hold")
    Order = apps.get_model("orders", "Order")
    OrderLine = apps.get_model("orders", "OrderLine")
    Capacity = apps.get_model("orders", "Capacity")
    Change = apps.get_model("changes", "Change")
    now = timezone.now()
    count = 0
    changed: set[int] = set()
    records = SchedulingRecord.objects.filter(status="confirmed", provider__isnull=False)  # local providers only
    records = records.select_related("demand").order_by("pk")
    for record in records:
        reference = f"match:{record.match_id}"
        if Hold.objects.filter(reference=reference, provider_id=record.provider_id).exists():
            continue  # confirmed through a hold: counted already
        if Order.objects.filter(reference=reference, provider_id=record.provider_id).exists():
            continue
        demand = record.demand
        confirmed_at = record.confirmed_at or record.accepted_at
        if confirmed_at + timedelta(hours=demand.duration_hours) <= now:
            continue  # the service period is over
        allotments = list(
            MatchAllotment.objects.filter(match_id=record.match_id, resource__provider_id=record.provider_id)
            .select_related("line")
            .order_by("resource_id", "pk")
        )
        if not allotments:
            continue
        compute = sum((a.price_yuan for a in allotments), Decimal(0))
        rents = {a.line_id: a.line.price_yuan_per_month for a in allotments if a.line_id}
        line_yuan = (sum(rents.values(), Decimal(0)) * demand.duration_hours / HOURS_PER_MONTH).quantize(
            Decimal("0.01")
        )
        order = Order.objects.create(
            reference=reference,
            provider_id=record.provider_id,
            buyer_id=demand.organization_id,
            buyer_user_id=demand.user_id,
            hours=demand.duration_hours,
            compute_yuan=compute,
            line_yuan=line_yuan,
            total_yuan=compute + line_yuan,
            confirmed_by_id=record.decided_by_id or demand.user_id,
        )
        Order.objects.filter(pk=order.pk).update(created_at=confirmed_at)
        for allotment in allotments:
            OrderLine.objects.create(
                order=order,
                resource_id=allotment.resource_id,
                cards=allotment.cards,
                units=allotment.units,
                unit_price_yuan=allotment.unit_price_yuan,
                amount_yuan=allotment.price_yuan,
                line_id=allotment.line_id,
            )
            Capacity.objects.get_or_create(resource_id=allotment.resource_id)
            Capacity.objects.filter(resource_id=allotment.resource_id).update(
                allocated_units=F("allocated_units") + allotment.units
            )
            changed.add(allotment.resource_id)
        count += 1
    # the change feed tells the selection index (both backends), live pages and caches
    Change.objects.bulk_create(
        Change(record_type="resource", record_id=pk, kind="capacity", fields=["available_units"])
        for pk in sorted(changed)
    )
    return count


def forwards(apps, schema_editor):
    backfill(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0003_network_hold"),
        ("demand", "0004_prefer_province_reliability_lapse"),
        ("changes", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
