"""Sort orders of the columnar index, patched after small changes."""

import numpy as np


def position_dtype(size: int) -> type:
    """Row positions as int32 while they fit: half the memory of the permutations and ranks."""
    return np.int32 if size < 2**31 else np.int64


class _Order:
    """Rows sorted by (key, id), NaN keys last: the permutation, and its inverse (made when first
    asked for). After a change of a few rows it is patched (``pending`` rows taken out and put back
    at their new places, a few linear passes) instead of sorted again (a lexsort of a million rows
    costs some 200 ms)."""

    def __init__(self, key: np.ndarray, ids: np.ndarray):
        self.perm = np.lexsort((ids, key)).astype(position_dtype(len(ids)), copy=False)
        self.pending: set[int] = set()
        self._rank: np.ndarray | None = None

    def rank(self) -> np.ndarray:
        if self._rank is None:
            dtype = position_dtype(len(self.perm))
            self._rank = np.empty(len(self.perm), dtype=dtype)
            self._rank[self.perm] = np.arange(len(self.perm), dtype=dtype)
        return self._rank

    def patch(self, key: np.ndarray, ids: np.ndarray) -> None:
        """Move the pending rows to where ``key`` (every row's current key) puts them now; rows past
        the end of the permutation are new."""
        changed = np.array(sorted(self.pending), dtype=np.int64)
        self.pending.clear()
        kept = np.ones(len(self.perm), dtype=np.bool_)
        kept[self.rank()[changed[changed < len(self.perm)]]] = False
        perm = self.perm[kept]  # the unchanged rows: their keys are still in order
        keys, sorted_ids = key[perm], ids[perm]
        new_keys, new_ids = key[changed], ids[changed]
        by = np.lexsort((new_ids, new_keys))
        changed, new_keys, new_ids = changed[by], new_keys[by], new_ids[by]
        low = np.searchsorted(keys, new_keys, side="left")
        high = np.searchsorted(keys, new_keys, side="right")
        at = [
            start + int(np.searchsorted(sorted_ids[start:stop], pk))
            for start, stop, pk in zip(low.tolist(), high.tolist(), new_ids.tolist(), strict=True)
        ]
        self.perm = np.insert(perm, at, changed).astype(position_dtype(len(key)), copy=False)
        self._rank = None
