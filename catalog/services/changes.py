"""The catalogue's one visible call for a change: append it to the change feed (changes/) in the
caller's own transaction. The selection index, the websocket fan-out, the page cache and a peer's
upstream sync, monitoring's resource samples and the Elasticsearch index read the feed by cursor;
nothing is written or announced after commit.
"""

from collections.abc import Callable, Iterable

from django.db import transaction

from changes.services import changes_append

from ..models import AppService, ComputeResource, NetworkLine, Site
from ..snapshots import APP_SERVICE, LINE, RESOURCE, app_service_snapshots, line_snapshots, resource_snapshots

SITE = "site"
# model -> (record type in the feed, snapshot builder)
RECORD_TYPES: dict[type, tuple[str, Callable[..., dict[int, dict]]]] = {
    ComputeResource: (RESOURCE, resource_snapshots),
    NetworkLine: (LINE, line_snapshots),
    AppService: (APP_SERVICE, app_service_snapshots),
}
# More records than this in one change (a bulk import): the feed carries ids only; consumers that
# need a snapshot build it when they use it (changes.registry.snapshots_build).
SNAPSHOT_LIMIT = 50


def records_changed_append(
    *,
    model: type,
    record_ids: Iterable[int],
    change: str,
    fields: tuple[str, ...] = (),
    patches: dict[int, dict] | None = None,
) -> int:
    """Append these records' change to the feed, in the caller's transaction, with their current
    snapshots, or for a bulk change the new stored values of each record's changed columns
    (``patches``, id -> {field: value}, as the writer has them; ids without one carry ids only).
    Returns the number of feed rows."""
    ids = list(dict.fromkeys(int(pk) for pk in record_ids))
    if not ids or model not in RECORD_TYPES:
        return 0
    record_type, build = RECORD_TYPES[model]
    snapshots = build(record_ids=ids) if len(ids) <= SNAPSHOT_LIMIT else None
    areas = None
    if model is ComputeResource and snapshots is not None:
        # a public record's snapshot carries its province; ask the database for the others only
        provinces = {pk: snapshot["province_code"] for pk, snapshot in snapshots.items() if "province_code" in snapshot}
        missing = [pk for pk in ids if pk not in provinces]
        if missing:
            provinces.update(
                ComputeResource.objects.filter(pk__in=missing).order_by().values_list("pk", "province_code")
            )
        areas = [provinces.get(pk, "") for pk in ids]
    return changes_append(
        record_type=record_type,
        record_ids=ids,
        kind=change,
        fields=fields,
        areas=areas,
        snapshots=snapshots,
        patches=patches,
    )


def sites_changed_append(*, site_ids: Iterable[int], change: str = "described") -> int:
    """A site was renamed or moved (its name and place feed search text and hits)."""
    ids = list(dict.fromkeys(int(pk) for pk in site_ids))
    provinces = dict(Site.objects.filter(pk__in=ids).values_list("pk", "province_id"))
    return changes_append(record_type=SITE, record_ids=ids, kind=change, areas=[provinces.get(pk) or "" for pk in ids])


@transaction.atomic
def site_save(*, site: Site) -> Site:
    """Save an edited site (the back office) and append the change to the feed."""
    site.save()
    sites_changed_append(site_ids=[site.pk])
    return site
