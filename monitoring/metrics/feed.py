"""Resource samples from the change feed (flow 7): every status update of a listed compute resource
becomes a sample, a change of its operating state is counted.

A durable consumer of the feed (``changes_since`` with the cursor ``monitoring.resource_samples``),
run by the worker every second (portal/worker/schedule.py). The samples of a batch and the cursor's
new position are written in one transaction, so a batch is turned into samples exactly once: a
worker killed half-way stores nothing and the next run reads the same changes again, and changes
committed while no worker ran are caught up when one starts. (Before, an after-commit hook made the
sample: a crash between the commit and the hook lost it.)
"""

import logging

from django.db import transaction

from changes.selectors import changes_since, current_position
from changes.services import cursor_commit, cursor_reset

logger = logging.getLogger(__name__)

CURSOR = "monitoring.resource_samples"
RESOURCE = "resource"  # catalog.snapshots.RESOURCE: the feed's record type of compute resources
SAMPLED_KINDS = frozenset({"status", "approved", "described"})
BATCH = 500


def samples_pending() -> bool:
    """A cheap read for the schedule: has the feed moved past the cursor?"""
    from changes.models import ConsumerCursor

    position = ConsumerCursor.objects.filter(name=CURSOR).values_list("position", flat=True).first()
    return position is None or current_position() > position


def resource_samples_from_feed(*, batches: int = 20) -> dict[str, int]:
    """Turn the resource changes committed since the cursor into samples (one per change: the
    resource's state as read now); returns the counts."""
    from .ingest import resource_status_record

    changes = samples = 0
    previous = None
    for _ in range(batches):
        with transaction.atomic():
            batch = changes_since(cursor=CURSOR, limit=BATCH, record_types=(RESOURCE,))
            if batch.behind:  # pruned past the cursor (a worker away longer than the catch-up window)
                logger.warning("resource samples: the change feed was pruned past %s; starting at its end", CURSOR)
                cursor_reset(name=CURSOR, position=current_position())
                break
            groups: dict[tuple, list[int]] = {}  # one group per change (rows of one append share a time)
            for row in batch.rows:
                if row.kind in SAMPLED_KINDS:
                    groups.setdefault((row.created_at, tuple(sorted(row.fields or ()))), []).append(row.record_id)
            for (_at, fields), ids in groups.items():
                samples += resource_status_record(resource_ids=list(dict.fromkeys(ids)), fields=fields)
            changes += len(batch.rows)
            cursor_commit(name=CURSOR, position=batch.position)
        if batch.position == previous:
            break
        previous = batch.position
    return {"changes": changes, "samples": samples}
