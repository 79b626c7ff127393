"""Demo data for the operation monitoring: a week of samples for the listed demo resources, rolled up.

Idempotent: skipped when samples exist, so a second run writes nothing.
"""


def seed() -> list[str]:
    return [_seed_metrics()]


DEMO_DAYS = 7


def _seed_metrics() -> str:
    """A week of hourly samples for every listed demo resource (a deterministic daily load curve) and
    app-service use, rolled up. Skipped when samples exist, so a second run writes nothing."""
    import datetime

    from django.utils import timezone

    from catalog.models import AppService, ComputeResource, ListingState

    from .metrics.ingest import app_samples_ingest, installed_cards, resource_samples_ingest
    from .metrics.jobs import metrics_rollup_run
    from .metrics.periods import hour_start
    from .models import ResourceSample

    if ResourceSample.objects.exists():
        return "Metrics: samples exist, nothing seeded; dashboards at /monitoring/ (operator, reviewer_sc_comms)"
    end = hour_start(timezone.now())
    hours = [end - datetime.timedelta(hours=h) for h in range(DEMO_DAYS * 24, 0, -1)]
    resources = list(ComputeResource.objects.filter(listing_state=ListingState.APPROVED))
    samples = []  # every resource's in one ingest, as a provider's batch push arrives
    for index, resource in enumerate(resources):
        cards = installed_cards(resource)
        for hour in hours:
            local = hour.astimezone(timezone.get_current_timezone())
            busy = 0.35 + 0.45 * (1 if 9 <= local.hour < 22 else 0) + 0.02 * ((index + local.day) % 5)
            samples.append(
                {
                    "resource": resource.external_id,
                    "sampled_at": hour + datetime.timedelta(minutes=30),
                    "available_cards": max(0, round(cards * (1 - busy))),
                    "utilisation_percent": round(100 * busy, 1) if cards else None,
                    "state": "online" if (index + local.day) % 17 else "maintenance",
                }
            )
    resource_samples_ingest(resources={resource.external_id: resource for resource in resources}, samples=samples)
    usage = []
    services = list(
        AppService.objects.filter(listing_state=ListingState.APPROVED).select_related("provider__organization")
    )
    for service in services:
        for hour in hours:
            local_hour = hour.astimezone(timezone.get_current_timezone()).hour
            calls = 400 + 60 * local_hour if 8 <= local_hour < 23 else 50
            usage.append({"app_service": service.external_id, "sampled_at": hour, "calls": calls, "users": calls // 40})
    app_samples_ingest(app_services={service.external_id: service for service in services}, samples=usage)
    result = metrics_rollup_run(report=False)
    return (
        f"Metrics: {DEMO_DAYS} days of samples for {len(resources)} resources, {result.rollup.hours} hours rolled up;"
        " dashboards at /monitoring/ (operator; reviewer_sc_comms sees the regulatory view)"
    )
