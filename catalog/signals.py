"""The one hook other apps subscribe to: a published record changed (sent after commit only).

Receivers get ``sender`` (the model class), ``record_ids`` (a tuple of primary keys: one record from
the API and admin, a whole batch from a bulk import), ``change`` ("created", "described", "status",
"approved", "delisted", "imported") and ``fields`` (names of the fields that changed; empty means any). Live updates and
search indexing subscribe with ``catalog.services.record_changed_subscribe``; receivers must not
write to the catalogue.
"""

from django.dispatch import Signal

record_changed = Signal()
