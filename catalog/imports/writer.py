"""The import's SQL: built once per import, run with ``executemany``, no model instances.

``Statements`` holds the INSERT and UPDATE statements of one record type and of its versions. New
records' parameters are built column-wise (``record_columns``: only the columns that vary, in the
order of ``data_keys``; the id and the columns that are the same for every row of an import are
added here by ``Writer.write``, which zips them in C); a changed record's row by row (``changed_row``).
It is built in the importing process (it needs the connection's vendor and adapters) but building
parameters never touches the database, so a forked worker can do it (``catalog.imports.batches``).

Only values that the driver cannot take as they are get adapted: JSON (Django's own text form,
``json.dumps``; cast to jsonb on PostgreSQL) and the import's one timestamp. ints, text and Decimals
pass through (psycopg adapts them; on SQLite Decimals are passed as str, as Django's registered
adapter would). A version payload is encoded once: that text is what the digest is taken of and
what is stored.

``Writer`` runs them inside the import's transaction. New records get their ids up front, so no
insert has to be read back: on SQLite the import holds the write lock from ``BEGIN IMMEDIATE`` (the
project's setting), so the next ids are known; on PostgreSQL they are taken from the table's sequence.
"""

from __future__ import annotations

import json
import operator
from decimal import Decimal
from itertools import repeat
from types import NoneType

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.utils import timezone

from ..models import ListingState, RecordVersion
from .batches import NewRows, version_digest
from .parsers import Memo

IMPORT_CHANGE = "imported"
# SQLite: an import expected to add at least this many records to a table holding no more rows than
# that drops the table's plain secondary indexes and builds them again before commit (SqliteIndexes);
# the same for the version table (one version per new record).
SQLITE_REINDEX_MIN_ROWS = 10_000

# A payload's keys are already in sorted order (record_rules.Rules.payload), so this gives the same text as
# json.dumps(payload, sort_keys=True, ensure_ascii=False), the form digests are taken of, only faster.
_encode_payload = json.JSONEncoder(ensure_ascii=False).encode


def _adapt(model_field, value):
    if isinstance(model_field, models.JSONField):
        return json.dumps(value)
    if value is None or isinstance(value, int | str | Decimal):
        return value
    return model_field.get_db_prep_save(value, connection)


class Statements:
    """One record type's import statements and the parameters of their rows (no database access)."""

    def __init__(self, *, model: type, stored: list[str], provider_id: int, actor_id: int | None, source: str):
        self.model, self.vendor = model, connection.vendor
        quote = connection.ops.quote_name
        self.now = timezone.now()
        fields = list(model._meta.concrete_fields)
        pk = model._meta.pk
        # The key of each column in an import's data dict: a foreign key by its field name ("site").
        key = {f.attname: (f.name if f.is_relation else f.attname) for f in fields}
        self.json_keys = [key[f.attname] for f in fields if isinstance(f, models.JSONField)]
        # sqlite3 binds a Decimal as str(value) (Django registers that adapter): doing it here
        # instead makes a prepared batch cheaper to send from the worker. Other drivers get Decimals.
        self.decimal_keys = []
        if self.vendor == "sqlite":
            self.decimal_keys = [key[f.attname] for f in fields if isinstance(f, models.DecimalField)]
        self.json_cache: dict = {}
        now = _adapt(model._meta.get_field("updated_at"), self.now)
        others = [f for f in fields if not f.primary_key]
        self.base = {key[f.attname]: _adapt(f, f.get_default()) for f in others}
        self.base.update(
            provider=provider_id, listing_state=ListingState.PENDING.value, version=1, created_at=now, updated_at=now
        )
        # INSERT: the id first, given by the writer; the rest from the row's data.
        self.insert_sql = self._insert(model._meta.db_table, [pk, *others])
        # Column-wise: the keys that come from an import's data (in INSERT order), and the INSERT's
        # columns after the id as (True, index in data_keys) or (False, the value of every row).
        varying = {"external_id", *stored}
        self.data_keys = [key[f.attname] for f in others if key[f.attname] in varying]
        position = {name: index for index, name in enumerate(self.data_keys)}
        self.layout = [
            (True, position[key[f.attname]]) if key[f.attname] in position else (False, self.base[key[f.attname]])
            for f in others
        ]
        self.json_data = [name in self.json_keys for name in self.data_keys]
        self.decimal_data = [name in self.decimal_keys for name in self.data_keys]
        self.json_memo = Memo(lambda items: json.dumps(list(items)))
        # UPDATE of a changed record: the fields an import describes or derives, version, updated_at.
        names = set(stored)
        updated = [f for f in others if key[f.attname] in names]
        updated += [model._meta.get_field("version"), model._meta.get_field("updated_at")]
        assignments = ", ".join(f"{quote(f.column)} = {self._placeholder(f)}" for f in updated)
        self.update_sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(pk.column)} = %s"
        self.pick_update = operator.itemgetter(*[key[f.attname] for f in updated], "_pk")
        self.updated_at = now
        # Versions: record id, version, payload and digest per row; the rest is the same for all.
        meta = RecordVersion._meta
        leading = [meta.get_field(name) for name in ("object_id", "version", "payload", "payload_hash")]
        constant = {
            "content_type_id": ContentType.objects.get_for_model(model).pk,
            "change": IMPORT_CHANGE,
            "source": str(source),
            "api_key_id": None,
            "actor_id": actor_id,
            "created_at": _adapt(meta.get_field("created_at"), self.now),
        }
        trailing = [f for f in meta.concrete_fields if not f.primary_key and f not in leading]
        self.version_sql = self._insert(meta.db_table, [*leading, *trailing])
        self.version_constant = tuple(constant.get(f.attname, _adapt(f, f.get_default())) for f in trailing)

    def _placeholder(self, model_field) -> str:
        if isinstance(model_field, models.JSONField) and self.vendor == "postgresql":
            return "CAST(%s AS jsonb)"
        return "%s"

    def _insert(self, table: str, fields: list) -> str:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        placeholders = ", ".join(self._placeholder(f) for f in fields)
        return f"INSERT INTO {quote(table)} ({columns}) VALUES ({placeholders})"

    def _json(self, value) -> str:
        """A JSON column's text; short lists repeat a lot (certifications), so they are cached."""
        if value.__class__ is list and len(value) < 8:
            key = tuple(value)
            try:
                return self.json_cache[key]
            except KeyError:
                text = json.dumps(value)
                if len(self.json_cache) < 4096:
                    self.json_cache[key] = text
                return text
            except TypeError:  # not hashable
                pass
        return json.dumps(value)

    def record_columns(self, external_ids: list[str], columns: dict[str, list], count: int) -> list[list]:
        """New records' INSERT parameters that vary, column-wise in ``data_keys`` order."""
        out = []
        for name, is_json, is_decimal in zip(self.data_keys, self.json_data, self.decimal_data, strict=True):
            column = external_ids if name == "external_id" else columns[name]
            if is_json:
                try:
                    if not all(map(list.__instancecheck__, column)):
                        raise TypeError
                    column = list(map(self.json_memo.__getitem__, map(tuple, column)))
                except TypeError:  # not all lists, or lists of unhashable items
                    column = list(map(self._json, column))
            elif is_decimal:
                types = set(map(type, column))
                if NoneType not in types:
                    column = list(map(str, column))
                elif len(types) > 1:
                    column = [None if value is None else str(value) for value in column]
            out.append(column)
        return out

    def version_row(self, version: int, payload: dict) -> tuple:
        """A version's parameters after its record id."""
        text = _encode_payload(payload)
        return (version, text, version_digest(text), *self.version_constant)

    def changed_row(self, data: dict, payload: dict) -> tuple[tuple, tuple]:
        """A changed record's UPDATE parameters (its id last) and its new version's after the record id."""
        row = {**data, "version": data["_version"], "updated_at": self.updated_at}
        for name in self.json_keys:
            if name in row:
                row[name] = self._json(row[name])
        return self.pick_update(row), self.version_row(data["_version"], payload)


class Writer:
    def __init__(self, statements: Statements, *, expected_rows: int | None):
        self.statements = statements
        self.model, self.vendor = statements.model, statements.vendor
        self.next_id: int | None = None
        # SQLite: the record table's and the version table's (one version per new record)
        self.indexes = []
        if self.vendor == "sqlite":
            self.indexes = [SqliteIndexes(self.model._meta.db_table), SqliteIndexes(RecordVersion._meta.db_table)]
        self.expected_rows = expected_rows
        self.rows_seen = 0

    def _ids(self, count: int) -> list[int]:
        """``count`` fresh primary keys for new records."""
        table, pk = self.model._meta.db_table, self.model._meta.pk.column
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [quote(table), pk, count],
                )
                return [row[0] for row in cursor.fetchall()]
            if self.next_id is None:
                cursor.execute(f"SELECT MAX({quote(pk)}) FROM {quote(table)}")
                last = cursor.fetchone()[0] or 0
                cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'")
                if cursor.fetchone():  # AUTOINCREMENT never reuses an id, not even a deleted row's
                    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                    row = cursor.fetchone()
                    last = max(last, row[0] if row else 0)
                self.next_id = last + 1
        start, self.next_id = self.next_id, self.next_id + count
        return list(range(start, start + count))

    def write(self, *, rows: int, new: NewRows | None, changed: list[tuple[tuple, tuple, int]]) -> list[int]:
        """Write one batch (``rows`` rows of the file): ``new`` records (column-wise) and ``changed``
        ones as (UPDATE parameters, version parameters, id). Returns the ids of the records created
        or changed."""
        statements = self.statements
        count = new.count if new is not None else 0
        if count and self.indexes and self.expected_rows:
            remaining = max(self.expected_rows - self.rows_seen, rows)
            for indexes in self.indexes:
                indexes.consider(expected_new=remaining * count // max(rows, 1))
        self.rows_seen += rows
        ids = self._ids(count) if count else []
        records = versions = ()
        if count:
            data = new.records
            columns = [data[value] if varying else repeat(value, count) for varying, value in statements.layout]
            records = list(zip(ids, *columns, strict=True))
            constant = [repeat(value, count) for value in statements.version_constant]
            versions = list(zip(ids, repeat(1, count), new.payloads, new.digests, *constant, strict=True))
        if changed:
            versions = [*versions, *((pk, *version) for _update, version, pk in changed)]
        with connection.cursor() as cursor:
            if records:
                cursor.executemany(statements.insert_sql, records)
            if changed:
                cursor.executemany(statements.update_sql, [update for update, _version, _pk in changed])
            if versions:
                cursor.executemany(statements.version_sql, versions)
        return ids + [pk for _update, _version, pk in changed]

    def finish(self) -> None:
        for indexes in self.indexes:
            indexes.restore()


class SqliteIndexes:
    """Bulk loading on SQLite: keeping a dozen secondary indexes up to date row by row costs more
    than building them once at the end. When an import is expected to add many records to a table
    that holds no more rows than that, the table's plain secondary indexes (not unique, not partial)
    are dropped and created again from their own stored definitions before commit.

    Safe because SQLite's DDL is transactional: all of it happens inside the import's transaction,
    which holds the write lock throughout; a rollback (a bad row found later, an error, a crash)
    brings the indexes back with the data, and other connections read their snapshot (WAL),
    indexes included, until the commit. Unique indexes (the external id) are never dropped.
    """

    def __init__(self, table: str):
        self.table = table
        self.dropped: list[str] = []
        self.decided = False

    def consider(self, *, expected_new: int) -> None:
        if self.decided:
            return
        self.decided = True  # once per import, at its first batch of new records
        if expected_new < SQLITE_REINDEX_MIN_ROWS:
            return
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {quote(self.table)}")
            if cursor.fetchone()[0] > expected_new:
                return
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                [self.table],
            )
            for name, sql in cursor.fetchall():
                statement = " ".join(sql.split()).upper()
                if statement.startswith("CREATE INDEX ") and " WHERE " not in statement:
                    cursor.execute(f"DROP INDEX {quote(name)}")
                    self.dropped.append(sql)

    def restore(self) -> None:
        with connection.cursor() as cursor:
            for sql in self.dropped:
                cursor.execute(sql)
        self.dropped = []
