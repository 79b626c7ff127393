"""After a provider's status push: flag resources now reported below what orders hold."""

import logging

from django.db.models import F

from .models import Capacity

logger = logging.getLogger(__name__)


def resource_status_changed(sender, *, record_ids, change: str, fields=(), **kwargs) -> None:
    if change == "capacity" or getattr(sender, "_meta", None) is None or sender._meta.model_name != "computeresource":
        return
    rows = Capacity.objects.filter(resource_id__in=list(record_ids))
    flagged = list(
        rows.filter(allocated_units__gt=F("resource__available_units"), over_allocated=False).values_list(
            "resource_id", flat=True
        )
    )
    if flagged:
        Capacity.objects.filter(resource_id__in=flagged).update(over_allocated=True)
        logger.warning("capacity below allocation reported for resources %s", flagged)
    rows.filter(allocated_units__lte=F("resource__available_units"), over_allocated=True).update(over_allocated=False)
