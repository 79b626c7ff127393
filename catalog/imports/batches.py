"""One batch of an import file made ready without the database, column by column.

``Rules`` (record_rules.py) are a record type's import rules (defaults, derived fields, required
fields, cross-field checks, the version payload). ``Preparer.prepare`` takes a batch of raw rows and returns a picklable
``Prepared``. It works on columns, not rows: each column's cells are parsed at once (``Column.many``,
C-level loops, or cell by cell for a column that needs it, which reports every bad cell), lookups are
resolved through per-import memos, duplicate external ids are found with set operations, and the
outcome of the batch's rows *as new records* is worked out with one list operation per column:
derived fields, required fields, defaults, cross-field checks, the INSERT parameters (``NewRows``:
columns, not row tuples, so that little crosses the pipe from the worker and the writer zips them in
C) and each version's payload, encoded from per-column JSON fragments with one ``%`` per row — the
same text as ``json.dumps(payload, sort_keys=True, ensure_ascii=False)`` — and digested.

Rows whose record exists are merged with it by the importer (``catalog.imports.engine``), row by row,
with the same rules (``Rules.complete``, ``Rules.payload``).

A preparer runs in the importing process or in a forked worker (``catalog.imports.worker``), so
nothing here may touch the database.
"""

from __future__ import annotations

import hashlib
import operator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .columns import Column
from .parsers import CellError, Memo, all_text
from .record_rules import CELL, Rules

BAD = object()  # a cell that failed to parse (its row is reported, never written)

_hexdigest = operator.methodcaller("hexdigest")


@dataclass
class NewRows:
    """Rows of a batch as new records, column-wise: ``positions`` are their indexes among the batch's
    good rows (None: all of them, in order). ``records``: the INSERT's data columns, in the order of
    ``Statements.data_keys`` (the id and the constant columns are added by the writer); ``payloads``
    and ``digests``: their first version's. The three are None on a dry run (nothing is written)."""

    count: int
    positions: list[int] | None
    names: list[str]
    records: list[list] | None = None
    payloads: list[str] | None = None
    digests: list[str] | None = None

    def take(self, indexes: list[int]) -> NewRows:
        """The rows at these indexes (of this object's rows), in that order."""

        def pick(column):
            return list(map(column.__getitem__, indexes))

        return NewRows(
            count=len(indexes),
            positions=None,
            names=pick(self.names),
            records=None if self.records is None else [pick(column) for column in self.records],
            payloads=None if self.payloads is None else pick(self.payloads),
            digests=None if self.digests is None else pick(self.digests),
        )

    def extend(self, other: NewRows) -> None:
        self.count += other.count
        self.names += other.names
        if self.records is not None:
            for column, more in zip(self.records, other.records, strict=True):
                column += more
            self.payloads += other.payloads
            self.digests += other.digests


@dataclass
class Prepared:
    rows: int = 0  # rows read (blank lines are skipped by the readers)
    # (row number, phase, column order, header, message); the importer reports them sorted
    errors: list[tuple] = field(default_factory=list)
    # The good rows (no bad cell, a unique external id), in file order:
    numbers: list[int] = field(default_factory=list)
    external_ids: list[str] = field(default_factory=list)
    # Their parsed cells by column name, for merging with existing records; None when the provider has
    # no record of this type (every row is new).
    values: dict[str, list] | None = None
    # Their outcomes as new records: the rows with errors (position -> errors), those to be created
    # (``NewRows``), and those not worked out because their record existed when the import started.
    problems: dict[int, list] = field(default_factory=dict)
    new: NewRows | None = None
    known: set[int] = field(default_factory=set)

    def row_values(self, position: int) -> dict:
        return {name: column[position] for name, column in self.values.items()}


def _map_column(function, cells, numbers, order: int, header: str, errors: list, bad: set) -> list:
    """``function`` over a column's cells: one C-level ``map`` in the common case. If a cell fails,
    the column is done again cell by cell so that every bad cell is reported (``BAD`` in its place)."""
    try:
        return list(map(function, cells))
    except CellError:
        pass
    out = []
    for position, cell in enumerate(cells):
        try:
            out.append(function(cell))
        except CellError as error:
            out.append(BAD)
            bad.add(position)
            errors.append((numbers[position], CELL, order, header, str(error)))
    return out


class Preparer:
    """Turns raw batches into ``Prepared`` ones; remembers the external ids seen so far in the file.

    ``statements``: the import's ``catalog.imports.writer.Statements`` (they build the INSERT
    parameters), or None on a dry run. ``fresh``: the provider has no record of this type, so every
    row is new and the parsed values need not travel back with the outcome. ``known``: the external
    ids of the provider's records when the import started, if loaded: no outcome as a new record is
    worked out for those rows (the importer merges them, or works the outcome out itself if the
    record has gone meanwhile).
    """

    def __init__(
        self,
        rules: Rules,
        matched: list[tuple[int, Column]],
        *,
        statements=None,
        fresh: bool = False,
        known: set[str] | None = None,
        text_only: bool = False,
    ):
        self.rules, self.matched, self.statements, self.fresh, self.known = rules, matched, statements, fresh, known
        self.text_only = text_only  # every cell is a str (a CSV file): no need to check each column
        self.width = max(index for index, _column in matched) + 1
        self.names = [column.name for _index, column in matched]
        self.seen: set[str] = set()
        # Lookups (sites, cities) of this import's spec by cell: each distinct cell resolved once.
        self.lookups = {column.name: self._resolvers(column) for _index, column in matched if column.kind == "lookup"}

    def _resolvers(self, column: Column) -> tuple[Memo, object]:
        """(a memo of the resolved value by raw cell, the resolver of a parsed cell)."""
        lookup, parse = self.rules.spec.lookup, column.parse

        def resolve(text):
            if not text:
                return None
            return BAD if text is BAD else lookup(column, text)

        return Memo(lambda cell: resolve(parse(cell))), resolve

    def _parse(self, column: Column, cells, numbers, order: int, errors: list, bad: set) -> list:
        text = self.text_only or all_text(cells)
        if column.kind == "lookup":
            memo, resolve = self.lookups[column.name]
            if text:
                try:
                    return list(map(memo.__getitem__, cells))
                except CellError:
                    pass
            values = _map_column(column.parse, cells, numbers, order, column.header, errors, bad)
            return _map_column(resolve, values, numbers, order, column.header, errors, bad)
        values = column.many(cells) if text and column.many is not None else None
        if values is None:
            values = _map_column(column.parse, cells, numbers, order, column.header, errors, bad)
        return values

    def prepare(self, batch) -> Prepared:
        numbers, cells = batch
        width = self.width
        prepared = Prepared(rows=len(cells))
        errors = prepared.errors
        if cells and min(map(len, cells)) < width:  # short rows: blank cells ("" parses as None would)
            cells = [row if len(row) >= width else [*row, *[""] * (width - len(row))] for row in cells]
        by_index = list(zip(*cells, strict=False)) if cells else [()] * width
        bad: set[int] = set()  # positions of rows with a bad cell
        parsed = {}
        for order, (index, column) in enumerate(self.matched):
            parsed[column.name] = self._parse(column, by_index[index], numbers, order, errors, bad)
        external_ids = parsed["external_id"]
        seen, count = self.seen, len(cells)
        if not bad and "" not in external_ids and len(set(external_ids)) == count and seen.isdisjoint(external_ids):
            seen.update(external_ids)  # the common case: every row good
            good = None
        else:
            good = self._good_rows(numbers, external_ids, bad, errors)
            numbers = [numbers[position] for position in good]
            parsed = {name: [column[position] for position in good] for name, column in parsed.items()}
            external_ids, count = parsed["external_id"], len(good)
        prepared.numbers, prepared.external_ids = numbers, external_ids
        if not self.fresh:
            prepared.values = parsed
        # The outcome as new records, of the rows whose record did not exist when the import started
        positions = None
        known = self.known
        if known is not None and not known.isdisjoint(external_ids):
            prepared.known = {position for position, key in enumerate(external_ids) if key in known}
            positions = [position for position in range(count) if position not in prepared.known]
            numbers = [numbers[position] for position in positions]
            external_ids = [external_ids[position] for position in positions]
            parsed = {name: [column[position] for position in positions] for name, column in parsed.items()}
        problems, new = self.outcomes(numbers, external_ids, parsed)
        if positions is not None:  # positions among the rows worked out -> among the good rows
            problems = {positions[position]: found for position, found in problems.items()}
            new.positions = [positions[position] for position in (new.positions or range(new.count))]
        prepared.problems, prepared.new = problems, new
        return prepared

    def _good_rows(self, numbers, external_ids, bad: set, errors: list) -> list[int]:
        """Row by row: the key checks (required, unique in the file); the positions of the good rows."""
        id_header, late = self.rules.headers["external_id"], len(self.matched)
        seen, good = self.seen, []
        for position, external_id in enumerate(external_ids):
            number, is_bad = numbers[position], position in bad
            if external_id is BAD:
                external_id = ""
            elif not is_bad and not external_id:
                errors.append((number, CELL, late, id_header, _("必填。")))
                is_bad = True
            if external_id:
                if external_id in seen:
                    message = _("服务商侧编号“%(value)s”在文件中重复出现。") % {"value": external_id}
                    errors.append((number, CELL, late, id_header, message))
                    is_bad = True
                seen.add(external_id)
            if not is_bad:
                good.append(position)
        return good

    def outcomes(
        self, numbers: list[int], external_ids: list[str], values: dict[str, list]
    ) -> tuple[dict[int, list], NewRows]:
        """Rows' outcomes as new records: their errors by position, and the others' ``NewRows``."""
        rules, count = self.rules, len(external_ids)
        # (columns are only ever replaced in this dict, never changed in place: ``values`` stays as is)
        columns = {}
        for name, default in rules.defaults.items():
            column = values.get(name)
            columns[name] = column if column is not None else [default] * count
        problems = rules.complete_columns(numbers, columns, count)
        positions = None
        if problems:
            positions = [position for position in range(count) if position not in problems]
            external_ids = [external_ids[position] for position in positions]
            columns = {name: [column[position] for position in positions] for name, column in columns.items()}
            count = len(positions)
        names = [name or "" for name in columns["name"]] if "name" in columns else [""] * count
        new = NewRows(count=count, positions=positions, names=names)
        statements = self.statements
        if statements is not None and count:
            new.records = statements.record_columns(external_ids, columns, count)
            new.payloads = rules.payload_texts(external_ids, columns, count)
            new.digests = list(map(_hexdigest, map(hashlib.sha256, map(str.encode, new.payloads))))
        elif statements is not None:
            new.records, new.payloads, new.digests = [[] for _key in statements.data_keys], [], []
        return problems, new


def version_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


sort_errors = operator.itemgetter(0, 1, 2)
