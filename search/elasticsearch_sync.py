"""The Elasticsearch index follows the change feed: a durable consumer (cursor ``search.elasticsearch``)
run by the worker every two seconds (portal/worker/schedule.py) when ``SEARCH_BACKEND`` is
"elasticsearch".

Each pass reads the changes committed since the cursor, works out which resources' documents they
touch — the resources themselves; every resource at a renamed or moved site; every resource of a
renamed provider (organisation); every resource at a site in a renamed division — re-indexes those
with one bulk request, and only then commits the cursor. A pass that fails (Elasticsearch away) moves
nothing, and the next pass sends the same documents again (indexing is idempotent), so a change is
never lost between its commit and the index: before, an after-commit hook told the index, and a
crash between the commit and the hook lost the update until the next full reindex. When the feed
was pruned past the cursor (no worker for longer than the catch-up window) the pass rebuilds the
index from the records.
"""

import logging

from django.db.models import Q

from catalog.models import ComputeResource
from changes.selectors import changes_since, current_position
from changes.services import cursor_commit, cursor_reset

logger = logging.getLogger(__name__)

CURSOR = "search.elasticsearch"
BATCH = 1000


def resources_touched(rows) -> set[int]:
    """The resources whose search documents these feed rows change."""
    ids: set[int] = set()
    sites: set[int] = set()
    organizations: set[int] = set()
    divisions: set[str] = set()
    for row in rows:
        if row.record_type == "resource":
            ids.add(row.record_id)
        elif row.record_type == "site":
            sites.add(row.record_id)
        elif row.record_type == "organization":
            organizations.add(row.record_id)
        elif row.record_type == "division":
            divisions.add(f"{row.record_id:06d}")
    related = Q(pk__in=[])
    if sites:
        related |= Q(site_id__in=sites)
    if organizations:
        related |= Q(provider__organization_id__in=organizations)
    if divisions:
        related |= Q(site__province_id__in=divisions) | Q(site__city_id__in=divisions)
    if sites or organizations or divisions:
        ids.update(ComputeResource.objects.filter(related).values_list("pk", flat=True))
    return ids


def elasticsearch_sync(*, backend=None, batches: int = 20) -> dict[str, int]:
    """One pass of the consumer; returns how many changes were read and documents re-indexed."""
    if backend is None:
        from .backends import get_backend

        backend = get_backend()
    changes = documents = 0
    previous = None
    for _ in range(batches):
        batch = changes_since(cursor=CURSOR, limit=BATCH)
        if batch.behind:
            logger.warning("search: the change feed was pruned past %s; rebuilding the index", CURSOR)
            position = current_position()
            backend.rebuild()
            cursor_reset(name=CURSOR, position=position)
            break
        touched = resources_touched(batch.rows)
        if touched:
            backend.resources_changed(sorted(touched))  # raises when Elasticsearch is away: nothing moves
        cursor_commit(name=CURSOR, position=batch.position)
        changes += len(batch.rows)
        documents += len(touched)
        if batch.position == previous:
            break
        previous = batch.position
    return {"changes": changes, "documents": documents}
