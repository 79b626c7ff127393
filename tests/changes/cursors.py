"""A durable cursor standing right below the next sequence number, for tests.

On PostgreSQL the rows of earlier tests were rolled back but their sequence numbers were used: a
cursor created at the newest *row* would see a gap below the next change, and that gap is final only
once every transaction older than it has ended, which other connections to the server can delay at
will. Standing on the sequence's own last value leaves no gap.
"""

from django.db import connection

from changes.models import Change, ConsumerCursor
from changes.selectors import current_position


def cursor_at_sequence_end(name: str) -> None:
    position = current_position()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'seq')", [Change._meta.db_table])
            sequence = cursor.fetchone()[0]
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
            last, called = cursor.fetchone()
            position = max(position, last if called else last - 1)
    ConsumerCursor.objects.update_or_create(name=name, defaults={"position": position})
