"""The one hook other apps subscribe to: a published record changed (sent after commit only).

Receivers get ``sender`` (the model class), ``record_id``, ``change`` ("created", "described",
"status", "approved", "delisted") and ``fields`` (names of the fields that changed). Live updates and
search indexing subscribe with ``catalog.services.record_changed_subscribe``; receivers must not
write to the catalogue.
"""

from django.dispatch import Signal

record_changed = Signal()
