"""Parsers of import cells, built once from the model field's own metadata (max_length, choices,
max_digits/decimal_places, MinValue/MaxValue validators), so the vectorised validator of the fast path
and the import-export widgets check exactly what ``full_clean`` would, with Chinese messages.

Each parser (``Column.parse``, one cell) may have a column-wise twin (``Column.many``, a whole column of
a batch at once, in C-level loops: ``map``, ``str.join``, one regular expression over the joined
column). ``many`` takes only str cells (the caller checks: ``all_text``) and handles the common
case — every cell one that ``parse`` accepts through its own fast branch — returning exactly what
``parse`` would give cell by cell; for anything else (a cell needing a message, an unusual spelling)
it returns None and the caller parses that column cell by cell, which reports every bad cell.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models
from django.utils.translation import gettext as _

BLANK = ("", None)


class CellError(ValueError):
    """A cell that cannot be imported; the message is for the person who filled the file in."""


ESCAPED = ("=", "+", "-", "@")


def unescape(text: str) -> str:
    """Undo the export's formula escaping ("'=x" -> "=x") so an export can be imported again."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        return text[1:]
    return text


def _text(value) -> str:
    if value.__class__ is str:
        value = value.strip()
        return value[1:] if value[:1] == "'" and value[1:2] in ESCAPED else value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def _bounds(model_field) -> tuple:
    low = high = None
    validators = list(model_field.validators)
    for validator in validators:
        if isinstance(validator, MinValueValidator):
            limit = validator.limit_value
            low = limit if low is None else max(low, limit)
        elif isinstance(validator, MaxValueValidator):
            limit = validator.limit_value
            high = limit if high is None else min(high, limit)
    if isinstance(model_field, models.PositiveIntegerField | models.PositiveBigIntegerField):
        low = 0 if low is None else max(low, 0)
    if isinstance(model_field, models.IntegerField):
        _low, _high = connection.ops.integer_field_range(model_field.get_internal_type())
        if _high is not None:
            high = _high if high is None else min(high, _high)
    return low, high


class Memo(dict):
    """A parser's results by cell: ``map(memo.__getitem__, cells)`` runs in C for the cells seen
    before and calls ``function`` (which may raise) for the others, keeping at most ``limit``."""

    __slots__ = ("function", "limit")

    def __init__(self, function: Callable, limit: int = 4096):
        super().__init__()
        self.function, self.limit = function, limit

    def __missing__(self, key):
        value = self.function(key)
        if len(self) < self.limit:
            self[key] = value
        return value


def all_text(cells) -> bool:
    """Every cell is a str (CSV cells always are; XLSX ones may be numbers, dates or None)."""
    return all(map(str.__instancecheck__, cells)) if cells else True


def _bounded(values: list, low, high) -> bool:
    """``values`` (no None) within [low, high], checked with C-level min/max."""
    if not values:
        return True
    return (low is None or min(values) >= low) and (high is None or max(values) <= high)


def _check_bounds(value, low, high):
    if low is not None and value < low:
        raise CellError(_("不能小于 %(limit)s。") % {"limit": low})
    if high is not None and value > high:
        raise CellError(_("不能大于 %(limit)s。") % {"limit": high})
    return value


def text_parser(model_field) -> Callable:
    max_length = model_field.max_length

    def parse(value) -> str:
        if value.__class__ is str:  # _text's common case, inlined: this runs for most cells
            text = value.strip()
            if text[:1] == "'" and text[1:2] in ESCAPED:
                text = text[1:]
        else:
            text = _text(value)
        if max_length and len(text) > max_length:
            raise CellError(_("最多 %(max)d 个字符（现为 %(n)d 个）。") % {"max": max_length, "n": len(text)})
        return text

    return parse


def text_many(model_field) -> Callable:
    max_length = model_field.max_length

    def many(cells) -> list | None:
        texts = list(map(str.strip, cells))
        if "\n'" in "\n" + "\n".join(texts):  # a cell may start with "'" (an escaped formula? parse() decides)
            return None
        if max_length and texts and max(map(len, texts)) > max_length:
            return None
        return texts

    return many


def int_parser(model_field) -> Callable:
    low, high = _bounds(model_field)

    def parse(value):
        if value.__class__ is str and value:
            try:
                return _check_bounds(int(value), low, high)  # the common case: "8"
            except ValueError:
                pass
        if value in BLANK or value == "":
            return None
        if isinstance(value, bool):
            raise CellError(_("请填写整数。"))
        if isinstance(value, int):
            number = value
        elif isinstance(value, float):
            if not value.is_integer():
                raise CellError(_("请填写整数。"))
            number = int(value)
        else:
            text = _text(value).replace(",", "")
            if not text:
                return None
            try:
                number = int(text)
            except ValueError:
                try:
                    as_decimal = Decimal(text)
                except InvalidOperation:
                    raise CellError(_("请填写整数。")) from None
                if as_decimal != as_decimal.to_integral_value():
                    raise CellError(_("请填写整数。")) from None
                number = int(as_decimal)
        return _check_bounds(number, low, high)

    return parse


def int_many(model_field) -> Callable:
    low, high = _bounds(model_field)

    def many(cells) -> list | None:
        # parse()'s first branch is int(cell) for a non-empty str, its result for "" is None.
        try:
            values = list(map(int, cells))
            present = values
        except ValueError:
            try:
                values = [int(cell) if cell else None for cell in cells]
            except ValueError:
                return None
            present = [value for value in values if value is not None]
        return values if _bounded(present, low, high) else None

    return many


def decimal_parser(model_field) -> Callable:
    low, high = _bounds(model_field)
    max_digits, places = model_field.max_digits, model_field.decimal_places
    whole_digits = max_digits - places
    shortcut = whole_digits > 0  # ("0" has one whole digit for Decimal: the shortcut needs room for one)

    def parse(value):
        if shortcut and value.__class__ is str:
            # The common case, "12.50": plain ASCII digits with at most ``places`` decimals and a
            # short enough whole part cannot fail any check below but the bounds.
            head, dot, tail = value.partition(".")
            if (
                head.isdigit()
                and head.isascii()
                and len(head.lstrip("0")) <= whole_digits
                and (not dot or (tail.isdigit() and tail.isascii() and len(tail) <= places))
            ):
                return _check_bounds(Decimal(value), low, high)
        if value in BLANK:
            return None
        if isinstance(value, bool):
            raise CellError(_("请填写数字。"))
        text = repr(value) if isinstance(value, float) else _text(value).replace(",", "")
        if not text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise CellError(_("请填写数字。")) from None
        if not number.is_finite():
            raise CellError(_("请填写数字。"))
        sign, digits, exponent = number.as_tuple()
        if exponent < 0:
            decimals = -exponent
            whole = max(len(digits) - decimals, 0)
        else:
            decimals, whole = 0, len(digits) + exponent
        # Trailing zeros after the point (12.50) are not extra precision.
        if decimals > places and number != round(number, places):
            raise CellError(_("最多 %(places)d 位小数。") % {"places": places})
        if whole > whole_digits:
            raise CellError(_("整数部分最多 %(digits)d 位。") % {"digits": whole_digits})
        if decimals > places:
            number = round(number, places)
        return _check_bounds(number, low, high)

    return parse


def decimal_many(model_field) -> Callable:
    low, high = _bounds(model_field)
    max_digits, places = model_field.max_digits, model_field.decimal_places
    whole_digits = max_digits - places
    # One line per cell, each blank or what parse()'s shortcut takes: ASCII digits whose whole part
    # has at most ``whole_digits`` digits after its leading zeros, then at most ``places`` decimals.
    number = f"0*[0-9]{{1,{whole_digits}}}" + (f"(?:\\.[0-9]{{1,{places}}})?" if places > 0 else "")
    line = f"(?:{number})?"
    column = re.compile(f"{line}(?:\n{line})*")

    def many(cells) -> list | None:
        if whole_digits <= 0:
            return None
        if not cells:
            return []
        joined = "\n".join(cells)
        if joined.count("\n") != len(cells) - 1 or column.fullmatch(joined) is None:
            return None
        if "" in cells:
            values = [Decimal(cell) if cell else None for cell in cells]
            present = [value for value in values if value is not None]
        else:
            values = present = list(map(Decimal, cells))
        return values if _bounded(present, low, high) else None

    return many


def choice_parser(model_field) -> Callable:
    """Accept the stored value (any case) or its Chinese label."""
    lookup = {}
    for value, label in model_field.flatchoices:
        lookup[str(value).lower()] = value
        lookup[str(label).lower()] = value
    # Labels in Chinese regardless of the active language.
    from django.utils import translation

    with translation.override("zh-hans"):
        for value, label in model_field.flatchoices:
            lookup[str(label).lower()] = value
            labels = "、".join(str(label) for _value, label in model_field.flatchoices)

    # Cells spelled exactly as a stored value or a label (the common case) are found directly.
    spellings = {*lookup, *(str(label) for _value, label in model_field.flatchoices)}
    exact = {key: lookup[key.lower()] for key in spellings if key and key == key.strip() and key[:1] != "'"}

    def parse(value):
        try:
            return exact[value]
        except (KeyError, TypeError):
            pass
        text = _text(value)
        if not text:
            return None
        try:
            return lookup[text.lower()]
        except KeyError:
            raise CellError(
                _("“%(value)s”不是可选值（可选：%(labels)s）。") % {"value": text, "labels": labels}
            ) from None

    return parse


def choice_many(model_field) -> Callable:
    """parse()'s exact spellings, and "" (blank: None), looked up in C."""
    parse = choice_parser(model_field)
    known = {"": None}
    for value, label in model_field.flatchoices:
        for spelling in (str(value), str(value).lower(), str(label), str(label).lower()):
            with contextlib.suppress(CellError):
                known[spelling] = parse(spelling)
    from django.utils import translation

    with translation.override("zh-hans"):
        for _value, label in model_field.flatchoices:
            for spelling in (str(label), str(label).lower()):
                with contextlib.suppress(CellError):
                    known[spelling] = parse(spelling)

    def many(cells) -> list | None:
        try:
            return list(map(known.__getitem__, cells))
        except KeyError:
            return None

    return many


def list_parser(max_items: int = 20, max_length: int = 64) -> Callable:
    split = re.compile("[;；，,、\n]").split  # items separated by any of these
    seen: dict[str, tuple[str, ...]] = {}  # the same few lists recur (certifications)

    def parse(value) -> list[str]:
        if value == "" or value is None:
            return []
        known = seen.get(value) if value.__class__ is str else None
        if known is not None:
            return list(known)
        items = [item for item in map(str.strip, split(_text(value))) if item]
        if len(items) > max_items:
            raise CellError(_("最多 %(max)d 项。") % {"max": max_items})
        for item in items:
            if len(item) > max_length:
                raise CellError(_("每项最多 %(max)d 个字符。") % {"max": max_length})
        if value.__class__ is str and len(seen) < 4096:
            seen[value] = tuple(items)
        return items

    return parse


def list_many(max_items: int = 20, max_length: int = 64) -> Callable:
    """The lists of the cells seen before are shared by the rows that have them (never mutated)."""
    memo = Memo(list_parser(max_items, max_length))

    def many(cells) -> list | None:
        try:
            return list(map(memo.__getitem__, cells))
        except CellError:
            return None

    return many


def lookup_parser() -> Callable:
    """A key resolved later against preloaded tables (sites, cities): here only its text."""

    def parse(value) -> str:
        return _text(value)

    return parse


PARSERS = {"text": text_parser, "int": int_parser, "decimal": decimal_parser, "choice": choice_parser}
MANY = {"text": text_many, "int": int_many, "decimal": decimal_many, "choice": choice_many}
