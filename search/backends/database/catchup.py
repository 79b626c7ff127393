"""Keeping the database backend's index in step with the change feed (changes/)."""

import numpy as np
from django.db.models import Q

from catalog.models import ComputeResource, Provider, Site

from ...synced import SYNCED_FEED_TYPE
from .columns import FEED_BATCH, _places, _provider_names
from .patches import patch_numbers, patch_rows, patchable


class FeedCatchUp:
    """What the backend does with the changes committed since its index was loaded: apply the
    patches that bulk imports write (patches.py), re-read the other rows (every row of a renamed
    site or provider), forget the lines after a line changed.

    Order: a read's rows come in sequence order; one record's patches are merged in that order, and
    a record that also has a change without a patch in the same read is re-read instead (the read
    is newer than all of them). On PostgreSQL a row can arrive after rows with higher sequence
    numbers (it committed late: changes.selectors); while the feed reader has such a gap open, the
    highest sequence applied per record is kept (``_applied``), and a late patch of a record that
    already had a newer change applied is not laid over it: the record is re-read.
    """

    _applied: dict[int, int]

    def _refresh(self, ids: set[int]) -> None:
        if not ids:
            return
        index = self._index
        found = index.read(ids=ids)
        if found:  # their sites and providers may have been renamed too
            columns = index.columns
            positions = index._positions(np.array(sorted(found), dtype=np.int64))
            index.sites.update(_places(set(columns["site_id"][positions].tolist())))
            index.providers.update(_provider_names(set(columns["provider_id"][positions].tolist())))
            index._changed(None)
        index.drop(ids - found)

    def _catch_up(self) -> None:
        """Apply what was committed since the index's feed position (by any process)."""
        while True:
            rows = self._feed.read(limit=FEED_BATCH)
            if rows is None:  # the feed no longer reaches back to the index's position
                self.rebuild()
                return
            self._apply(rows)
            if self._feed.seen:  # a gap is open: rows below these may still come
                applied = self._applied
                for row in rows:
                    if row.record_type == "resource" and row.seq > applied.get(row.record_id, 0):
                        applied[row.record_id] = row.seq
            else:
                self._applied.clear()
            if len(rows) < FEED_BATCH:
                return

    def _apply(self, rows) -> None:
        resources: set[int] = set()
        synced: set[int] = set()
        sites: set[int] = set()
        organizations: set[int] = set()
        divisions: set[str] = set()
        patches: dict[int, dict] = {}
        applied = self._applied
        for row in rows:
            if row.record_type == "resource":
                if row.patch is not None and patchable(row.patch) and applied.get(row.record_id, 0) < row.seq:
                    patches.setdefault(row.record_id, {}).update(row.patch)
                else:
                    resources.add(row.record_id)
            elif row.record_type == "site":
                sites.add(row.record_id)
            elif row.record_type == "organization":
                organizations.add(row.record_id)
            elif row.record_type == SYNCED_FEED_TYPE:
                synced.add(row.record_id)
            elif row.record_type == "line":
                self._lines.clear()
            elif row.record_type == "division":  # a renamed province or city: the place of every site in it
                divisions.add(f"{row.record_id:06d}")
        index = self._index
        if divisions:
            in_division = Q(province_id__in=divisions) | Q(city_id__in=divisions)
            sites.update(Site.objects.filter(in_division).values_list("pk", flat=True))
        if sites:  # a renamed or moved site: its name and place in every row at it
            index.sites.update(_places(sites))
            resources.update(ComputeResource.objects.filter(site_id__in=sites).values_list("pk", flat=True))
        if organizations:  # a renamed provider
            providers = list(Provider.objects.filter(organization_id__in=organizations).values_list("pk", flat=True))
            index.providers.update(_provider_names(providers))
            resources.update(ComputeResource.objects.filter(provider_id__in=providers).values_list("pk", flat=True))
        if sites or organizations:
            index._changed(None)
        patches = {pk: patch for pk, patch in patches.items() if pk not in resources}
        if patches:
            patches, missing = patch_numbers(index, patches)
            resources |= missing
            if patches:
                resources |= patch_rows(index, patches)
        self._refresh(resources)
        if synced:
            index.drop({-pk for pk in synced} - index.read_synced(ids=synced))
