"""One batch of an import file made ready without the database.

``Rules`` are a record type's import rules (defaults, derived fields, required fields, cross-field
checks, the version payload). ``Preparer.prepare`` takes a batch of raw rows and returns a picklable
``Prepared``: the cells parsed column by column (each column's parser mapped over the batch; a
column with a bad cell is parsed again cell by cell so that every bad cell is reported), lookups
resolved against the tables preloaded in the spec, duplicate external ids found, and each row's
outcome *as a new record* — the errors it would have, or its INSERT parameters and its version's
(payload encoded and digested once). The importer merges the rows whose record exists itself.

A preparer runs in the importing process or in a forked worker (``catalog.imports.worker``), so
nothing here may touch the database.
"""

from __future__ import annotations

import hashlib
import operator
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ..services.records import DESCRIBE_FIELDS
from .columns import COLUMNS, CellError, Column

BAD = object()  # a cell that failed to parse (its row is reported, never written)
CELL, ROW = 0, 1  # error phases: a cell (or the row's key) / the row as a whole record


@dataclass
class Prepared:
    rows: int = 0  # rows read (blank lines are skipped by the readers)
    # (row number, phase, column order, header, message); the importer reports them sorted
    errors: list[tuple] = field(default_factory=list)
    # (row number, external id, parsed values or None when the import is known to be all new,
    #  outcome as a new record: a list of errors, or (name, record parameters, version parameters),
    #  or None for a row whose record existed when the import started)
    good: list[tuple] = field(default_factory=list)


class Rules:
    """What an import checks and derives for one record type, with the spec's preloaded tables."""

    def __init__(self, model: type, spec):
        self.model, self.spec = model, spec
        self.columns = {column.name: column for column in COLUMNS[model]}
        self.headers = {name: column.header for name, column in self.columns.items()}
        self.describe = DESCRIBE_FIELDS[model]
        self.payload_names = tuple(sorted(("external_id", *self.describe)))
        self.stored = [name for name in self.describe if name != "resources"]
        self.defaults = {name: self.columns[name].default if name in self.columns else None for name in self.stored}
        self.required = [(c.name, c.header) for c in self.columns.values() if c.required and c.name in self.stored]
        self.fill = [(name, default) for name, default in self.defaults.items() if default is not None]
        self.decimals = [c.name for c in self.columns.values() if c.kind == "decimal" and c.name in self.describe]
        self.pick_payload = operator.itemgetter(*self.payload_names)
        self.canonical: dict = {}  # Decimal -> its payload text; equal numbers share one form

    def complete(self, number: int, data: dict, errors: list) -> bool:
        """Derive, check required fields, fill defaults for blanks, apply cross-field rules (in place)."""
        self.spec.derive(data)
        ok = True
        for name, header in self.required:
            if data.get(name) in (None, ""):
                errors.append((number, ROW, 0, header, _("必填。")))
                ok = False
        for name, default in self.fill:
            if data.get(name) is None:
                data[name] = default  # a blank cell means the field's default
        for name, message in self.spec.check(data):
            errors.append((number, ROW, 1, self.headers[name], message))
            ok = False
        return ok

    def payload(self, external_id: str, data: dict) -> dict:
        """The version payload (as catalog.services.records stores it). Its keys are in sorted order
        (inserted so, and only ever replaced), which its JSON encoding relies on (writer)."""
        try:
            values = self.pick_payload(data)
        except KeyError:  # e.g. a new app service has no "resources" yet
            values = tuple(map(data.get, self.payload_names))
        payload = dict(zip(self.payload_names, values, strict=True))
        payload["external_id"] = external_id
        canonical = self.canonical
        for name in self.decimals:
            value = payload[name]
            if value is not None:
                try:
                    payload[name] = canonical[value]
                except KeyError:
                    text = payload[name] = format(value.normalize(), "f")
                    if len(canonical) < 65536:
                        canonical[value] = text
        if "resources" in payload and payload["resources"] is None:
            payload["resources"] = []
        return payload  # lists here are lists of str/int already


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

    ``new_row``: builds a new record's (record parameters, version parameters) from its external id,
    data and payload (``catalog.imports.writer.Statements.new_row``), or None on a dry run.
    ``fresh``: the provider has no record of this type, so every row is new and the parsed values
    need not travel back with the outcome. ``known``: the external ids of the provider's records when
    the import started, if loaded: no outcome as a new record is worked out for those rows (the
    importer merges them, or works the outcome out itself if the record has gone meanwhile).
    """

    def __init__(
        self,
        rules: Rules,
        matched: list[tuple[int, Column]],
        *,
        new_row=None,
        fresh: bool = False,
        known: set[str] | None = None,
    ):
        self.rules, self.matched, self.new_row, self.fresh, self.known = rules, matched, new_row, fresh, known
        self.width = max(index for index, _column in matched) + 1
        self.names = [column.name for _index, column in matched]
        self.seen: set[str] = set()

    def _resolver(self, column: Column):
        lookup = self.rules.spec.lookup

        def resolve(text):
            if not text:
                return None
            return BAD if text is BAD else lookup(column, text)

        return resolve

    def prepare(self, raw: list[tuple[int, list]]) -> Prepared:
        rules, width = self.rules, self.width
        prepared = Prepared(rows=len(raw))
        errors = prepared.errors
        numbers = [number for number, _cells in raw]
        cells = [row if len(row) >= width else [*row, *[None] * (width - len(row))] for _number, row in raw]
        by_index = list(zip(*cells, strict=False))
        bad: set[int] = set()  # positions of rows with a bad cell
        parsed = []
        for order, (index, column) in enumerate(self.matched):
            values = _map_column(column.parse, by_index[index], numbers, order, column.header, errors, bad)
            if column.kind == "lookup":
                values = _map_column(self._resolver(column), values, numbers, order, column.header, errors, bad)
            parsed.append(values)
        id_header, late = rules.headers["external_id"], len(self.matched)
        seen, names, known, keep_values = self.seen, self.names, self.known, not self.fresh
        for position, row in enumerate(zip(*parsed, strict=True)):
            values = dict(zip(names, row, strict=True))
            number, external_id = numbers[position], values.get("external_id") or ""
            is_bad = position in bad
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
            if is_bad:
                continue
            # The outcome if no record has this external id yet (the importer checks).
            outcome = None if known is not None and external_id in known else self.outcome(number, external_id, values)
            prepared.good.append((number, external_id, values if keep_values else None, outcome))
        return prepared

    def outcome(self, number: int, external_id: str, values: dict):
        """A row's outcome as a new record: its errors, or (name, record and version parameters)."""
        rules = self.rules
        data = {**rules.defaults, **values}
        problems: list[tuple] = []
        if not rules.complete(number, data, problems):
            return problems
        if self.new_row is None:
            return (data.get("name") or "", None, None)
        return (data.get("name") or "", *self.new_row(external_id, data, rules.payload(external_id, data)))


def version_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


sort_errors = operator.itemgetter(0, 1, 2)
