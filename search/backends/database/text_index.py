"""The lowercased names and identifiers of the columnar index, for free-text terms."""

import re
from collections import OrderedDict

import numpy as np

from .columns import TERM_CACHE_SIZE
from .orders import position_dtype
from .strings import PackedStrings


def _part_text(value) -> str:
    return " ".join(value) if isinstance(value, tuple) else str(value)


class _TextIndex:
    """The lowercased names and identifiers of the rows, each part as one string (its packed buffer
    decoded and lowercased at once: every value followed by a newline), with each row's first and end
    character in it: a term (never with whitespace) is found with one substring scan per part, and
    each hit maps back to its row through the sorted first characters (a hit in an overwritten value
    of the buffer ends past the row before it and is ignored)."""

    def __init__(self, parts: list[PackedStrings]):
        self.size = len(parts[0]) if parts else 0
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self.parts = []
        for values in parts:
            text, first, end = values.layout()
            lowered = text.lower()
            if len(lowered) != len(text):  # a character lowercases to more than one (e.g. "İ"): row by row
                rows = [value.lower() if value else "" for value in values]
                lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
                first = np.cumsum(lengths + 1) - (lengths + 1)
                end = first + lengths
                lowered = "\n".join(rows) + "\n"
            del text
            order = np.argsort(first, kind="stable")  # rows in the order of their text
            offsets = position_dtype(len(lowered))
            rows = None if bool(np.all(order[1:] > order[:-1])) else order.astype(position_dtype(self.size))
            self.parts.append((lowered, first[order].astype(offsets), end[order].astype(offsets), rows))

    def mask(self, term: str) -> np.ndarray:
        """The rows (as built) with ``term`` in their name or identifier; kept for the next
        TERM_CACHE_SIZE terms (this text does not change, whatever the index does)."""
        mask = self._cache.get(term)
        if mask is not None:
            self._cache.move_to_end(term)
            return mask
        mask = np.zeros(self.size, dtype=np.bool_)
        if term and "\n" not in term:
            pattern = re.compile(re.escape(term))
            for joined, first, end, rows in self.parts:
                found = np.fromiter((match.start() for match in pattern.finditer(joined)), dtype=first.dtype)
                if len(found):
                    at = np.searchsorted(first, found, side="right") - 1
                    inside = at >= 0
                    at, found = at[inside], found[inside]
                    at = at[found < end[at]]
                    mask[at if rows is None else rows[at]] = True
        self._cache[term] = mask
        if len(self._cache) > TERM_CACHE_SIZE:
            self._cache.popitem(last=False)
        return mask
