"""A live status change writes the same audit-log entry django-auditlog's save signal writes, without
its query for the row as it was (catalog.services.records._save_audited)."""

from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.services import record_update_status
from tests.catalog.factories import ComputeResourceFactory

pytestmark = pytest.mark.django_db


def test_a_status_change_is_in_the_audit_log_as_auditlog_itself_records_an_update():
    patched = ComputeResourceFactory(available_units=16, price_yuan=Decimal("12.00"))
    saved = ComputeResourceFactory(available_units=16, price_yuan=Decimal("12.00"))

    with CaptureQueriesContext(connection) as queries:
        record_update_status(record=patched, changes={"available_units": 40, "price_yuan": Decimal("9.50")})
    saved.available_units, saved.price_yuan, saved.version = 40, Decimal("9.50"), saved.version + 1
    saved.save(update_fields=["available_units", "price_yuan", "version", "updated_at"])  # auditlog's own path

    ours = LogEntry.objects.get_for_object(patched).get(action=LogEntry.Action.UPDATE)
    theirs = LogEntry.objects.get_for_object(saved).get(action=LogEntry.Action.UPDATE)
    assert ours.changes == theirs.changes
    assert ours.changes["available_units"] == ["16", "40"] and "price_yuan" in ours.changes
    assert ours.object_repr == str(patched)
    selects = [query["sql"] for query in queries.captured_queries if query["sql"].startswith("SELECT")]
    # the locked read and the change feed's snapshot (no re-read for the audit log, no site for the location)
    assert sum('FROM "catalog_computeresource"' in sql for sql in selects) == 2
    assert not any('FROM "catalog_site"' in sql for sql in selects)
