"""The catalogue's after-commit hook feeds resource samples (flow 7): every status update of a listed
compute resource becomes a sample, a change of its operating state is counted."""

from catalog.models import ComputeResource
from catalog.services import record_changed_subscribe


def on_record_changed(sender, record_ids=(), change="", fields=(), **kwargs):
    if sender is not ComputeResource or change not in ("status", "approved", "described"):
        return
    from .ingest import resource_status_record

    resource_status_record(resource_ids=record_ids, fields=tuple(fields))


record_changed_subscribe(on_record_changed, dispatch_uid="monitoring.metrics.resource_status")
