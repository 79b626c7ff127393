"""Keeping the database backend's index in step with the change feed (changes/)."""

import numpy as np
from django.db.models import Q

from catalog.models import ComputeResource, Provider, Site

from .columns import FEED_BATCH, _places, _provider_names


class FeedCatchUp:
    """What the backend does with the changes committed since its index was loaded: re-read those
    rows (every row of a renamed site or provider), forget the lines after a line changed."""

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
            if len(rows) < FEED_BATCH:
                return

    def _apply(self, rows) -> None:
        resources: set[int] = set()
        sites: set[int] = set()
        organizations: set[int] = set()
        divisions: set[str] = set()
        for row in rows:
            if row.record_type == "resource":
                resources.add(row.record_id)
            elif row.record_type == "site":
                sites.add(row.record_id)
            elif row.record_type == "organization":
                organizations.add(row.record_id)
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
        self._refresh(resources)
