"""Shared helpers of the metrics tests."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from tests.catalog.factories import ComputeResourceFactory, SiteFactory

SH = ZoneInfo("Asia/Shanghai")


def sh(*args) -> datetime.datetime:
    """An aware Asia/Shanghai datetime."""
    return datetime.datetime(*args, tzinfo=SH)


def a100_resource(*, city: str = "510100", nodes: int = 4, external_id: str = "A100-01", **fields):
    """A listed intelligent-compute resource with 8 cards per node and the A100's per-card figures."""
    site = SiteFactory(city_id=city)
    return ComputeResourceFactory(
        site=site,
        external_id=external_id,
        node_count=nodes,
        accelerators_per_node=8,
        fp16_tflops_per_card=Decimal("312"),
        fp32_tflops_per_card=Decimal("19.5"),
        fp64_tflops_per_card=Decimal("9.7"),
        **fields,
    )


def push(resource, *samples) -> None:
    """Store samples of one resource through the ingestion service: (moment, available[, state])."""
    from monitoring.metrics.ingest import resource_samples_ingest

    rows = [
        {"resource": resource.external_id, "sampled_at": moment, "available_cards": available}
        | ({"state": rest[0]} if rest else {})
        for moment, available, *rest in samples
    ]
    resource_samples_ingest(resources={resource.external_id: resource}, samples=rows)
