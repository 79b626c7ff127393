"""Records synced from the nodes below on this node's ``ws/live/`` socket (keys ``synced:<SyncedRecord.pk>``).

``sync_receive`` appends every applied record to this node's change feed as ``synced``; registered here as a
snapshot builder (changes.registry), the live fan-out pushes those changes to the sockets that subscribed
to them, exactly like this node's own records: a visitor of the regional selection sees an industry node's
resource go into maintenance as soon as the regional node has it. The snapshot carries the live fields the
pages update (state and its label, price, available units), the record's identifier and its source node; a
record the owning node withdrew (delisted, suspended, revoked) arrives as ``{"id", "public": false}``.
"""

from collections.abc import Iterable

from django.conf import settings
from django.utils import translation

from .models import SyncedRecord

LIVE_FIELDS = ("name", "state", "price_yuan", "billing_unit", "available_units", "version")


def _state_labels(label: str) -> dict[str, dict[str, str]]:
    """{language: {"state": label}} for every language of the site (the socket picks its client's): the owning
    node's label is a msgid of the shared catalogue, so each language's translation is looked up here (federation
    knows no catalogue model)."""
    labels = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            labels[code] = {"state": translation.gettext(label)}
    return labels


def synced_snapshots(*, record_ids: Iterable[int]) -> dict[int, dict]:
    """Current live snapshots of these synced records by pk (one query per 500 ids)."""
    ids = list(dict.fromkeys(int(pk) for pk in record_ids))
    found: dict[int, dict] = {}
    columns = ("pk", "identifier", "record_type", "source_prefix", "source_name", "source_url", "snapshot", "position")
    for start in range(0, len(ids), 500):
        rows = SyncedRecord.objects.filter(pk__in=ids[start : start + 500]).order_by()
        for pk, code, record_type, prefix, name, url, snapshot, position in rows.filter(removed=False).values_list(
            *columns
        ):
            state = snapshot.get("state") or ""
            record = {field: snapshot.get(field) for field in LIVE_FIELDS}
            record.update(
                id=pk,
                identifier=code,
                record_type=record_type,
                public=True,
                source_prefix=prefix,
                source_name=name,
                source_url=url,
                position=position,
                labels=_state_labels(snapshot.get("state_label") or state),
            )
            found[pk] = record
    for pk in ids:
        found.setdefault(pk, {"id": pk, "public": False})
    return found
