"""An in-process hint, after commit, that published records changed (sent by
``catalog.services.records_changed_append``, which first appends the change to the change feed in
the writer's transaction: the feed is what consumers rely on, across processes).

Receivers get ``sender`` (the model class), ``record_ids`` (a tuple of primary keys: one record from
the API and admin, a whole batch from a bulk import), ``change`` ("created", "described", "status",
"approved", "delisted", "imported", "identifier") and ``fields`` (names of the fields that changed;
empty means any). Subscribers today: the writing process's search backends (read the feed at once;
Elasticsearch re-indexes) and monitoring's resource samples. Receivers must not write to the catalogue.
"""

from django.dispatch import Signal

record_changed = Signal()
