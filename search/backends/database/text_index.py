"""The joined lowercased names and identifiers of the columnar index, for free-text terms."""

import re
from collections import OrderedDict

import numpy as np

from .columns import TERM_CACHE_SIZE


def _part_text(value) -> str:
    return " ".join(value) if isinstance(value, tuple) else str(value)


class _TextIndex:
    """The lowercased names and identifiers of the rows, each part as one newline-joined string: a
    term (never with whitespace) is found with one substring scan per part, and each hit maps back
    to its row through the start offsets."""

    def __init__(self, parts: list[list]):
        self.size = len(parts[0]) if parts else 0
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self.parts = []
        for values in parts:
            lowered = [value.lower() if value else "" for value in values]
            starts = np.zeros(len(lowered) + 1, dtype=np.int64)
            starts[1:] = np.cumsum(np.fromiter(map(len, lowered), dtype=np.int64, count=len(lowered)) + 1)
            if starts[-1] < 2**31:  # (half the memory)
                starts = starts.astype(np.int32)
            self.parts.append(("\n".join(lowered), starts))

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
            for joined, starts in self.parts:
                found = np.fromiter((match.start() for match in pattern.finditer(joined)), dtype=starts.dtype)
                if len(found):
                    mask[np.searchsorted(starts, found, side="right") - 1] = True
        self._cache[term] = mask
        if len(self._cache) > TERM_CACHE_SIZE:
            self._cache.popitem(last=False)
        return mask
