"""Keeping the selection index in step with the catalogue, after commit.

Every published-record change reaches ``on_record_changed`` through the catalogue's one hook
(``catalog.services.record_changed_subscribe``): one call per API or admin change, one call per
import batch, one call per identifier suspension or revocation. Site edits arrive through a
``post_save`` receiver that only schedules the same reindex with ``transaction.on_commit`` (the
accepted signal use). Indexing never fails the change that triggered it: errors are logged, and
``manage.py search_reindex`` rebuilds from scratch.
"""

import logging

from django.db import transaction

from catalog.models import ComputeResource, NetworkLine

from .backends import active_backends, get_backend

logger = logging.getLogger(__name__)


def resources_reindex(*, ids) -> None:
    """Re-read these resources into every index this process keeps (a batch in one go)."""
    ids = tuple(ids)
    if not ids:
        return
    backends = {id(backend): backend for backend in (get_backend(), *active_backends())}
    for backend in backends.values():
        try:
            backend.resources_changed(ids)
        except Exception:  # the change is committed; the index catches up on the next rebuild
            logger.exception("search: reindexing %d resource(s) on %s failed", len(ids), backend.name)


def on_record_changed(sender, record_ids=(), **kwargs) -> None:
    """Receiver of catalog's record_changed (already after commit)."""
    if sender is ComputeResource:
        resources_reindex(ids=record_ids)
    elif sender is NetworkLine:
        for backend in active_backends():
            backend.lines_changed()


def on_site_saved(sender, instance, created=False, **kwargs) -> None:
    if created:
        return
    site_id = instance.pk

    def reindex():
        resources_reindex(ids=ComputeResource.objects.filter(site_id=site_id).values_list("pk", flat=True))

    transaction.on_commit(reindex)


def connect() -> None:
    from django.db.models.signals import post_save

    from catalog.models import Site
    from catalog.services import record_changed_subscribe

    record_changed_subscribe(on_record_changed, dispatch_uid="search.indexing.record_changed")
    post_save.connect(on_site_saved, sender=Site, dispatch_uid="search.indexing.site_saved")
