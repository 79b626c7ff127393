"""The fast import path: stream a file in batches of 2,000 rows, validate each against tables
preloaded in dicts (sites, accelerators, cities) and the provider's existing records of that batch,
then write it inside ONE transaction with plain ``executemany`` statements (``writer``: no model
instances) — one version per created or changed record, and the import's change-feed rows in the same
transaction (a changed record's row carries the new values of its changed fields: Change.patch).

A batch is first prepared without the database (``batches``: cells parsed and rows checked column by
column, the new records' parameters and version payloads built column-wise); large files are prepared
in a forked worker while this process writes (``worker``). Then, here, rows whose record exists are
merged with it and compared (identical rows are skipped: re-importing a file creates no version), and
the batch is written.

All or nothing: validation goes on to the end of the file so that every bad row is reported, but
as soon as one row is bad nothing more is written and the transaction is rolled back. A dry run
only reads (the preloaded tables and the existing records), so it cannot write anything.

Other writers meanwhile. On PostgreSQL an import locks only the rows it writes: a provider's status
push to another record does not wait (a push to a record the import changed waits for its commit).
On SQLite the import holds the database's one write lock from its first statement to its commit
(~6 s for 100,000 rows): a status push waits that long, within the connection's busy timeout
(``timeout`` in portal/settings/base.py, 20 s), and then succeeds. The import is kept in one
transaction on purpose rather than committed in batches: batches would cut the push's wait to one
batch, but would leave a catalogue half imported when a later row, a concurrent edit of the same
external id or a crash stops it, and would not make the import finish sooner (one writer at a time).
A provider pushing status every few seconds gets on SQLite one push delayed by at most one import's
duration, never refused while imports stay under the busy timeout; a deployment whose imports
outgrow that runs on PostgreSQL (README, production topology).
"""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models.expressions import Col
from django.utils.translation import gettext as _

from organizations.models import User

from ..models import Provider, RecordVersion
from ..services import records_changed_append
from . import worker
from .batches import NewRows, Preparer, sort_errors
from .columns import COLUMNS, Column
from .parsers import Memo
from .readers import FileError, Table
from .record_rules import Rules
from .report import ImportReport, PreviewRow
from .specs import SPECS
from .writer import IMPORT_CHANGE, Statements, Writer

BATCH_SIZE = 2000
PREVIEW_LIMIT = 200
IMPORT_SOURCE = RecordVersion.Source.IMPORT
FOREIGN_KEYS = {"site": "site_id", "from_city": "from_city_id", "to_site": "to_site_id"}


def _match_columns(model, headers: list[str], report: ImportReport) -> list[tuple[int, Column]] | None:
    by_alias = {alias.lower(): column for column in COLUMNS[model] for alias in column.aliases}
    matched, seen = [], set()
    for index, header in enumerate(headers):
        column = by_alias.get(header.lower())
        if column is None:
            if header:
                report.ignored_columns.append(header)
            continue
        if column.name in seen:
            report.add_error(1, header, _("列“%(header)s”重复。") % {"header": header})
            continue
        seen.add(column.name)
        matched.append((index, column))
    if "external_id" not in seen:
        report.add_error(1, "", _("缺少“服务商侧编号”列。"))
        return None
    return matched


class _Importer:
    def __init__(self, *, model, provider, actor, dry_run, source, report):
        self.model, self.provider, self.dry_run, self.report = model, provider, dry_run, report
        self.rules = Rules(model, SPECS[model](provider))
        # Nothing to merge with when the provider has no record of this kind yet (a first import).
        self.fresh = not model.objects.filter(provider=provider).exists()
        self.changed_ids: list[int] = []
        # changed records' new values of their changed fields, for the change feed (Change.patch)
        self.patches: dict[int, dict] = {}
        self.statements = None
        if not dry_run:
            self.statements = Statements(
                model=model,
                stored=[*self.rules.stored, *self.rules.spec.derived],
                provider_id=provider.pk,
                actor_id=actor.pk if actor else None,
                source=source,
            )
        self.writer = None
        self.preparer = None
        self.existing_query = None
        self.converted: dict[int, Memo] = {}  # the ORM's converters' results by stored value, per column

    def feed(self, table: Table) -> None:
        matched = _match_columns(self.model, table.headers, self.report)
        if matched is None:
            return
        statements = self.statements
        large = (table.size_hint or 0) >= worker.PARALLEL_MIN_ROWS
        known = None
        if large and not self.fresh:  # a big file for a provider with records: likely a re-import
            known = set(self.model.objects.filter(provider=self.provider).values_list("external_id", flat=True))
        self.preparer = Preparer(
            self.rules, matched, statements=statements, fresh=self.fresh, known=known, text_only=table.text_only
        )
        if statements is not None:
            self.writer = Writer(statements, expected_rows=table.size_hint)
        batches = worker.prepared_batches(table.batches(BATCH_SIZE), self.preparer.prepare, parallel=large)
        with contextlib.closing(batches):
            for prepared in batches:
                self._apply(prepared)

    # --- per batch: merge with existing records, compare, write -------------------------------
    def _existing_query(self) -> tuple[str, list]:
        """SELECT of the provider's records by external id, with the converters the ORM would apply
        to each column (so values are exactly what ``values_list`` gives, without its per-row cost)."""
        meta, quote = self.model._meta, connection.ops.quote_name
        fields = [meta.get_field(name) for name in ("external_id", "version", *self.rules.stored)]
        fields.insert(1, meta.pk)
        converters = []
        for position, model_field in enumerate(fields):
            column = Col(meta.db_table, model_field)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if found:
                converters.append((position, found, column))
        columns = ", ".join(quote(model_field.column) for model_field in fields)
        provider, external_id = (quote(meta.get_field(name).column) for name in ("provider", "external_id"))
        sql = f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {provider} = %s AND {external_id} IN "
        return sql, converters

    def _existing(self, external_ids: list[str]) -> _Existing | None:
        """The provider's records among these external ids, column-wise in their order (None: none)."""
        if self.fresh or not external_ids:
            return None
        if self.existing_query is None:
            self.existing_query = self._existing_query()
        sql, converters = self.existing_query
        with connection.cursor() as cursor:
            cursor.execute(sql + f"({', '.join(['%s'] * len(external_ids))})", [self.provider.pk, *external_ids])
            rows = cursor.fetchall()
        if not rows:
            return None
        found = {row[0]: index for index, row in enumerate(rows)}
        positions = [position for position, key in enumerate(external_ids) if key in found]
        rows = [rows[found[external_ids[position]]] for position in positions]
        fetched = [list(column) for column in zip(*rows, strict=True)]
        for position, functions, column in converters:
            memo = self.converted.get(position)
            if memo is None:
                memo = self.converted[position] = Memo(functools.partial(_convert, functions, column), 65536)
            try:
                fetched[position] = list(map(memo.__getitem__, fetched[position]))
            except TypeError:  # a value that cannot be a key (the driver gave a list, a dict)
                fetched[position] = [memo.function(value) for value in fetched[position]]
        existing = _Existing(
            positions=positions,
            columns=dict(zip(self.rules.stored, fetched[3:], strict=True)),
            pks=fetched[1],
            versions=fetched[2],
        )
        if "resources" in self.rules.describe:
            through = self.model.resources.through
            links: dict[int, list[int]] = {}
            for owner, resource in through.objects.filter(appservice_id__in=existing.pks).values_list(
                "appservice_id", "computeresource_id"
            ):
                links.setdefault(owner, []).append(resource)
            existing.columns["resources"] = [sorted(links.get(pk, [])) for pk in existing.pks]
        return existing

    def _apply(self, prepared) -> None:
        report = self.report
        report.total_rows += prepared.rows
        errors = prepared.errors
        existing = self._existing(prepared.external_ids)
        writing = not self.dry_run and report.ok and not errors
        new = prepared.new
        if existing is None and not prepared.known:
            # Every good row is new (a first import, or new rows only): the prepared outcomes as they are.
            if prepared.problems:
                for problems in prepared.problems.values():
                    errors.extend(problems)
                writing = False
            report.created += new.count
            room = PREVIEW_LIMIT - len(report.preview)
            if room > 0:
                positions = new.positions if new.positions is not None else range(new.count)
                for index, position in enumerate(positions[:room]):
                    number, external_id = prepared.numbers[position], prepared.external_ids[position]
                    report.preview.append(PreviewRow(number, "new", external_id, new.names[index]))
            changed = []
        else:
            new, changed, writing = self._merge(prepared, existing, writing)
        if errors:
            errors.sort(key=sort_errors)
            for number, _phase, _order, header, message in errors:
                report.add_error(number, header, message)
        elif writing and ((new is not None and new.count) or changed):
            self.changed_ids.extend(self.writer.write(rows=prepared.rows, new=new, changed=changed))
        elif self.writer is not None:
            self.writer.rows_seen += prepared.rows

    def _merge(self, prepared, existing: _Existing | None, writing: bool) -> tuple[NewRows | None, list, bool]:
        """Rows whose record exists are merged with it (the file's cells over the stored values),
        completed and compared column-wise: only changed ones get an UPDATE and a version. The
        others keep their prepared outcome as new records (worked out here for those whose record
        was known when the import started but has gone). Returns the new rows to write, the changed
        ones, and whether to write."""
        report, rules, statements, errors = self.report, self.rules, self.statements, prepared.errors
        prepared_new = prepared.new
        index_of = {}  # position among the good rows -> index among the prepared new rows
        if prepared_new.count:
            positions = prepared_new.positions
            if positions is None:
                positions = range(prepared_new.count)
            index_of = dict(zip(positions, range(prepared_new.count), strict=True))
        at, merged, problems, changes = {}, {}, {}, []
        if existing is not None:
            count = len(existing.positions)
            at = dict(zip(existing.positions, range(count), strict=True))
            for name, column in existing.columns.items():
                given = prepared.values.get(name)
                merged[name] = column if given is None else list(map(given.__getitem__, existing.positions))
            numbers = list(map(prepared.numbers.__getitem__, existing.positions))
            problems = rules.complete_columns(numbers, merged, count)
            changes = rules.differences(merged, existing.columns, count)
        keep, late, changed = [], None, []
        for position, (number, external_id) in enumerate(zip(prepared.numbers, prepared.external_ids, strict=True)):
            index = at.get(position)
            if index is None:
                if position in prepared.problems:
                    errors.extend(prepared.problems[position])
                    writing = False
                    continue
                if position in index_of:
                    name = prepared_new.names[index_of[position]]
                    keep.append(index_of[position])
                else:  # its record existed when the import started, and is gone
                    values = {key: [value] for key, value in prepared.row_values(position).items()}
                    trouble, one = self.preparer.outcomes([number], [external_id], values)
                    if trouble:
                        errors.extend(trouble[0])
                        writing = False
                        continue
                    if late is None:
                        late = one
                    else:
                        late.extend(one)
                    name = one.names[0]
                report.created += 1
                if len(report.preview) < PREVIEW_LIMIT:
                    report.preview.append(PreviewRow(number, "new", external_id, name))
                continue
            if index in problems:
                errors.extend(problems[index])
                writing = False
                continue
            fields = changes[index]
            if fields:
                report.updated += 1
            else:
                report.unchanged += 1
            if len(report.preview) < PREVIEW_LIMIT:
                name = (merged["name"][index] if "name" in merged else "") or ""
                action = "update" if fields else "skip"
                report.preview.append(PreviewRow(number, action, external_id, name, fields))
            if writing and fields:
                data = {key: column[index] for key, column in merged.items()}
                data["_pk"], data["_version"] = existing.pks[index], existing.versions[index] + 1
                changed.append((*statements.changed_row(data, rules.payload(external_id, data)), data["_pk"]))
                self.patches[data["_pk"]] = {name: data[name] for name in fields}
        if not writing:
            return None, [], False
        new = prepared_new.take(keep) if len(keep) != prepared_new.count else prepared_new
        if late is not None:
            new.extend(late)
        return new, changed, writing


def _convert(functions, column, value):
    for function in functions:
        value = function(value, column, connection)
    return value


@dataclass
class _Existing:
    """A batch's rows whose record exists, column-wise: their positions among the batch's good rows,
    the records' stored fields (as the ORM reads them; "resources" for app services), ids, versions."""

    positions: list[int]
    columns: dict[str, list]
    pks: list[int]
    versions: list[int]


@contextlib.contextmanager
def _sqlite_page_cache(kib: int = 65536):
    """A larger SQLite page cache for the import's connection while it runs (the resource table has
    a dozen indexes; with the default 2 MB cache their pages keep being evicted), then the old size."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def records_import(
    *,
    model: type,
    provider: Provider,
    table: Table,
    actor: User | None = None,
    dry_run: bool = False,
    source: str = IMPORT_SOURCE,
) -> ImportReport:
    """Import one file's rows as ``provider``'s records of ``model`` (keyed on the provider's
    external id; the provider is never read from the file). Returns the report; writes only if
    every row is valid and ``dry_run`` is false. New records arrive pending (operators approve)."""
    report = ImportReport(model=model, dry_run=dry_run)
    try:
        if dry_run:
            _Importer(model=model, provider=provider, actor=actor, dry_run=True, source=source, report=report).feed(
                table
            )
            return report
        with _sqlite_page_cache(), transaction.atomic():
            importer = _Importer(
                model=model, provider=provider, actor=actor, dry_run=False, source=source, report=report
            )
            importer.feed(table)
            if not report.ok:
                transaction.set_rollback(True)
                return report
            if importer.writer is not None:
                importer.writer.finish()
            report.record_ids = importer.changed_ids
            if importer.changed_ids:
                records_changed_append(
                    model=model, record_ids=importer.changed_ids, change=IMPORT_CHANGE, patches=importer.patches
                )
    except FileError as error:
        report.add_error(0, "", str(error))
    except IntegrityError:
        # Another import or an API call created the same external id meanwhile: nothing was written.
        report.add_error(0, "", _("导入期间同一编号的记录被其他操作修改，未写入任何数据，请重新导入。"))
    return report
