"""A record type's import rules (defaults, derived fields, required fields, cross-field checks, the
version payload), row by row (``complete``, ``payload``) and column by column (``complete_columns``,
``payload_texts``: each version's payload from per-column JSON fragments with one ``%`` per row —
the same text as ``json.dumps(payload, sort_keys=True, ensure_ascii=False)``). Nothing here touches
the database: rules also run in the forked import worker."""

from __future__ import annotations

import itertools
import json
import operator
from decimal import Decimal
from json.encoder import encode_basestring
from types import NoneType

from django.utils.translation import gettext as _

from ..services.records import DESCRIBE_FIELDS
from .columns import COLUMNS
from .parsers import Memo

CELL, ROW = 0, 1  # error phases: a cell (or the row's key) / the row as a whole record


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
        self.decimal_names = frozenset(self.decimals)
        self.pick_payload = operator.itemgetter(*self.payload_names)
        # A Decimal's payload text (canonical: no exponent, no trailing zeros), by its str()
        self.canonical = Memo(lambda text: format(Decimal(text).normalize(), "f"), 65536)
        self.decimal_texts = Memo(lambda text: None if text == "None" else self.canonical[text], 65536)  # or None
        # A version payload's JSON text, column-wise: one "%s" per key, in sorted key order.
        self.payload_template = "{" + ", ".join(f"{encode_basestring(name)}: %s" for name in self.payload_names) + "}"
        self.fragments = {name: self._fragments(name) for name in self.payload_names}

    # --- one row (records that exist: the importer merges them) ---------------------------------
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

    def _decimal_text(self, value: Decimal) -> str:
        return self.canonical[str(value)]  # (keyed by its text: -0 == 0, yet their texts differ)

    def payload(self, external_id: str, data: dict) -> dict:
        """The version payload (as catalog.services.records stores it). Its keys are in sorted order
        (inserted so, and only ever replaced), which its JSON encoding relies on (writer)."""
        try:
            values = self.pick_payload(data)
        except KeyError:  # e.g. a new app service has no "resources" yet
            values = tuple(map(data.get, self.payload_names))
        payload = dict(zip(self.payload_names, values, strict=True))
        payload["external_id"] = external_id
        for name in self.decimals:
            value = payload[name]
            if value is not None:
                payload[name] = self._decimal_text(value)
        if "resources" in payload and payload["resources"] is None:
            payload["resources"] = []
        return payload  # lists here are lists of str/int already

    # --- columns (new records) ----------------------------------------------------------------
    def complete_columns(self, numbers: list[int], columns: dict[str, list], count: int) -> dict[int, list]:
        """``complete`` on columns: the same rules in the same order, one list operation per column.
        Returns the errors by position (rows without errors are not in it)."""
        self.spec.derive_columns(columns, count)
        problems: dict[int, list] = {}
        for name, header in self.required:
            column = columns[name]
            types = set(map(type, column))  # (not ``None in column``: Decimal == None is slow)
            if NoneType in types or (str in types and "" in column):
                message = _("必填。")
                for position, value in enumerate(column):
                    if value is None or value == "":
                        problems.setdefault(position, []).append((numbers[position], ROW, 0, header, message))
        for name, default in self.fill:
            column = columns[name]
            if NoneType in set(map(type, column)):
                columns[name] = [default if value is None else value for value in column]
        for position, name, message in self.spec.check_columns(columns, count):
            problems.setdefault(position, []).append((numbers[position], ROW, 1, self.headers[name], message))
        return problems

    def _fragments(self, name: str):
        """How a payload column becomes JSON fragments: a function of the column (a list)."""
        kind = self.columns[name].kind if name in self.columns else None
        if name == "external_id" or kind == "text":

            def strings(column):
                try:
                    return list(map(encode_basestring, column))
                except TypeError:  # not all str (a default, a derived value): value by value
                    return list(map(_json_fragment, column))

            return strings
        if kind == "decimal":  # by str(value) (see _decimal_text); a number's text has nothing to escape
            memo = Memo(lambda text: "null" if text == "None" else f'"{self.canonical[text]}"', 65536)
            return lambda column: list(map(memo.__getitem__, map(str, column)))
        if kind == "list":
            memo = Memo(lambda items: json.dumps(list(items), ensure_ascii=False))
            return lambda column: list(map(memo.__getitem__, map(tuple, column)))
        if name == "resources":  # app services: a new one has none
            return lambda column: ["[]" if value is None else _json_fragment(value) for value in column]
        if kind in ("int", "choice", "lookup"):  # hashable values of one type per column
            memo = Memo(_json_fragment, 65536)
            return lambda column: list(map(memo.__getitem__, column))
        return lambda column: list(map(_json_fragment, column))

    def differences(self, new: dict[str, list], old: dict[str, list], count: int) -> list[tuple[str, ...]]:
        """Row by row, the described fields whose payload value differs between two sets of columns
        (what comparing ``payload`` of each row gives), worked out column by column."""
        names, flags = [], []
        for name in self.describe:
            after, before = new[name], old[name]
            differs = list(map(operator.ne, after, before))
            if name in self.decimal_names and (0 in after or 0 in before):
                # Decimals are compared as their payload texts, which differ exactly when the numbers do
                # (12.50 and 12.5 are one) — but for zero: -0 == 0, yet "-0" != "0".
                texts = self.decimal_texts.__getitem__
                differs = list(map(operator.ne, map(texts, map(str, after)), map(texts, map(str, before))))
            if True in differs:
                names.append(name)
                flags.append(differs)
        if not names:
            return [()] * count
        return [tuple(itertools.compress(names, row)) for row in zip(*flags, strict=True)]

    def payload_texts(self, external_ids: list[str], columns: dict[str, list], count: int) -> list[str]:
        """The version payloads' JSON texts of new records (what ``payload`` then ``json.dumps`` with
        sorted keys and ensure_ascii=False give, row by row)."""
        encoded = []
        for name in self.payload_names:
            column = external_ids if name == "external_id" else columns.get(name)
            if column is None:
                column = [None] * count
            encoded.append(self.fragments[name](column))
        return list(map(self.payload_template.__mod__, zip(*encoded, strict=True)))


def _json_fragment(value) -> str:
    if isinstance(value, Decimal):
        value = format(value.normalize(), "f")
    return json.dumps(value, ensure_ascii=False)
