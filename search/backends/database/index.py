"""Querying the columnar index: filters as masks, free text, facet counts, sort orders and pages."""

import numpy as np

from ..base import SORT_FIELDS
from .columns import FETCH_CHUNK, JOINT, TERM_CACHE_SIZE, TEXT_CODED_PARTS, TEXT_REBUILD_SHARE, _places, _provider_names
from .orders import _Order
from .store import ColumnStore
from .text_index import _part_text, _TextIndex


class ColumnIndex(ColumnStore):
    """The stored columns, queried: masks, facet counts, sort orders and pages (see the package doc)."""

    @classmethod
    def load(cls, *, chunk_size: int = FETCH_CHUNK) -> "ColumnIndex":
        index = cls()
        index.sites, index.providers = _places(), _provider_names()
        index.read(ids=None, chunk_size=chunk_size)
        index.read_synced(ids=None)
        index.build_text_index()
        return index

    # --- querying --------------------------------------------------------------------------
    def column(self, name: str) -> np.ndarray:
        return self.columns[name][: self.size]

    def equals(self, name: str, value) -> np.ndarray:
        code = self.vocab[name].get(value)
        if code is None:
            return np.zeros(self.size, dtype=np.bool_)
        return self.column(name) == code

    def code_table(self, name: str, matching) -> np.ndarray:
        """A boolean per code of ``name``: whether ``matching(value)``; index it with the column."""
        return np.array([bool(value) and matching(value) for value in self.values[name]], dtype=np.bool_)

    def id_mask(self, ids) -> np.ndarray:
        """Rows of these resource ids (ids not in the index are ignored): O(len(ids)), no pass over the rows."""
        mask = np.zeros(self.size, dtype=np.bool_)
        positions = self._positions(np.array(sorted(ids), dtype=np.int64))
        mask[positions[positions >= 0]] = True
        return mask

    def site_mask(self, site_ids) -> np.ndarray:
        """Rows at one of these sites (their rows are grouped by site: no pass over every row)."""
        rows, starts = self.by_site()
        vocab = self.vocab["site"]
        codes = sorted(code for code in map(vocab.get, site_ids) if code is not None)
        mask = np.zeros(self.size, dtype=np.bool_)
        if codes:
            mask[np.concatenate([rows[starts[code] : starts[code + 1]] for code in codes])] = True
        return mask

    def build_text_index(self) -> None:
        if self._text is None:
            self._text = _TextIndex([self.names, self.identifiers])
            self._text_dirty.clear()

    def text_mask(self, term: str) -> np.ndarray:
        """Rows whose text has ``term`` (lowercased) inside one of its whitespace tokens."""
        term = term.lower()
        cached = self._terms.get(term)
        if cached is not None:
            self._terms.move_to_end(term)
            return cached
        if self._text is None or len(self._text_dirty) + self.size - self._text.size > max(
            1000, self.size * TEXT_REBUILD_SHARE
        ):
            self._text = None
            self.build_text_index()
        text = self._text
        mask = np.zeros(self.size, dtype=np.bool_)
        mask[: text.size] = text.mask(term)
        # rows changed or added since the joined text was built: checked one by one
        for position in (*self._text_dirty, *range(text.size, self.size)):
            mask[position] = any(term in (value or "").lower() for value in self._row_parts(position))
        for name in TEXT_CODED_PARTS:
            matched = self.code_table(name, lambda value: term in _part_text(value).lower())
            if matched.any():
                mask |= matched[self.column(name)]
        sites = [code for code, pk in enumerate(self.values["site"]) if pk != "" and self._site_has(pk, term)]
        if sites:
            table = np.zeros(len(self.values["site"]), dtype=np.bool_)
            table[sites] = True
            mask |= table[self.column("site")]
        providers = self.code_table("provider", lambda pk: term in self.providers.get(pk, "").lower())
        if providers.any():
            mask |= providers[self.column("provider")]
        self._terms[term] = mask
        if len(self._terms) > TERM_CACHE_SIZE:
            self._terms.popitem(last=False)
        return mask

    def _row_parts(self, position: int) -> tuple:
        return (self.names[position], self.identifiers[position])

    def _site_has(self, site_id: int, term: str) -> bool:
        return any(term in part.lower() for part in self.sites.get(site_id, ()))

    def _sorted(self, sort: str) -> "_Order":
        """Every row in ``sort`` order (or by site code for "site"), ties by id, NaN (unknown) last."""
        order = self._orders.get(sort)
        if order is None or order.pending:
            name, descending = ("site", False) if sort == "site" else SORT_FIELDS[sort]
            key = self.column(name)
            if descending:
                key = -key
            if order is None:
                order = self._orders[sort] = _Order(key, self.column("id"))
            else:
                order.patch(key, self.column("id"))
        return order

    def order(self, sort: str) -> np.ndarray:
        """Positions of every row in ``sort`` order, ties by id (NaN, i.e. unknown, last)."""
        return self._sorted(sort).perm

    def rank(self, sort: str) -> np.ndarray:
        """Each row's place in ``order(sort)`` (the inverse permutation)."""
        return self._sorted(sort).rank()

    def by_site(self) -> tuple[np.ndarray, np.ndarray]:
        """Rows grouped by site code, by id within a site, and where each site's rows start."""
        rows = self._sorted("site").perm
        if self._site_starts is None:
            counts = np.bincount(self.column("site"), minlength=len(self.values["site"]))
            self._site_starts = np.concatenate(([0], np.cumsum(counts)))
        return rows, self._site_starts

    def _joint(self, names: tuple[str, ...]) -> tuple[np.ndarray, tuple[int, ...]]:
        """One code per row for several facet columns at once (mixed radix), and the radices."""
        joint = self._joints.get(names)
        if joint is None:
            radices = tuple(len(self.values[name]) for name in names)
            codes = self.column(names[0]).astype(np.int32 if np.prod(radices, dtype=np.float64) < 2**31 else np.int64)
            for name, radix in zip(names[1:], radices[1:], strict=True):
                codes *= radix
                codes += self.column(name)
            joint = self._joints[names] = (codes, radices)
        return joint

    def _totals(self, column: str, codes: np.ndarray, length: int) -> np.ndarray:
        """Counts over every row (published or not), for counting a large selection by its complement."""
        totals = self._totals_cache.get(column)
        if totals is None:
            totals = self._totals_cache[column] = np.bincount(codes, minlength=length)
        return totals

    def facet_counts(
        self, mask: np.ndarray, matching: int, names: list[str], *, rows: np.ndarray | None = None
    ) -> dict[str, np.ndarray]:
        """Counts per code of each facet column in ``names`` over the rows of ``mask`` (``matching``
        of them; ``rows``: their positions, when known). Several columns are counted with one
        ``bincount`` of their joint code (JOINT), and a selection of more than half the rows is
        counted as every row minus the rest."""
        complement = matching * 2 > self.size
        if rows is None or complement:
            rows = np.flatnonzero(~mask if complement else mask)
        wanted = set(names)
        counted: dict[str, np.ndarray] = {}
        for group in JOINT:
            needed = [name for name in group if name in wanted]
            if not needed:
                continue
            if len(needed) == 1:
                label, codes, radices = needed[0], self.column(needed[0]), (len(self.values[needed[0]]),)
            else:
                label = "+".join(group)
                codes, radices = self._joint(group)
            length = int(np.prod(radices))
            counts = np.bincount(codes[rows], minlength=length)
            if complement:
                counts = self._totals(label, codes, length) - counts
            if len(radices) == 1:
                counted[needed[0]] = counts
                continue
            counts = counts.reshape(radices)
            for axis, name in enumerate(group):
                if name in wanted:
                    others = tuple(other for other in range(len(group)) if other != axis)
                    counted[name] = counts.sum(axis=others)
        return counted

    def warm(self) -> None:
        """Build now what the first queries would otherwise build."""
        for sort in SORT_FIELDS:
            self.rank(sort)
        self.by_site()
        self.build_text_index()
        for group in JOINT:
            if len(group) > 1:
                codes, radices = self._joint(group)
                self._totals("+".join(group), codes, int(np.prod(radices)))
            for name in group:
                self._totals(name, self.column(name), len(self.values[name]))

    def page(
        self, sort: str, full: np.ndarray, count: int, start: int, stop: int, *, selected: np.ndarray | None = None
    ) -> np.ndarray:
        """Positions of the matching rows ``start:stop`` in ``sort`` order. Few matches: rank just
        them (O(matches)); many: walk the sort order until the page is full (O(rows read)), instead
        of gathering the whole mask through the permutation (a random read of every row)."""
        if start >= count:
            return np.zeros(0, dtype=np.int64)
        if count * 16 <= self.size:
            if selected is None:
                selected = np.flatnonzero(full)
            ranks = self.rank(sort)[selected]
            part = np.argpartition(ranks, stop - 1)[:stop] if stop < len(ranks) else np.arange(len(ranks))
            return selected[part[np.argsort(ranks[part])]][start:stop]
        perm = self.order(sort)
        chunk = max(4096, int(stop * self.size / count * 2))
        found: list[np.ndarray] = []
        have = 0
        for begin in range(0, len(perm), chunk):
            rows = perm[begin : begin + chunk]
            rows = rows[full[rows]]
            found.append(rows)
            have += len(rows)
            if have >= stop:
                break
        return np.concatenate(found)[start:stop]

    def latency_page(self, full: np.ndarray, count: int, lines, start: int, stop: int) -> np.ndarray:
        """Rows by the rank of their site's best line (no line last), then id: the sites with a line
        are visited in rank order until the page is full, then the rest in id order."""
        if start >= count:
            return np.zeros(0, dtype=np.int64)
        rows, starts = self.by_site()
        vocab = self.vocab["site"]
        found: list[np.ndarray] = []
        have = 0
        lined = np.zeros(len(self.values["site"]), dtype=np.bool_)
        for choice in sorted(lines.values(), key=lambda choice: choice.rank):
            code = vocab.get(choice.site_id)
            if code is None:
                continue
            lined[code] = True
            if have < stop:
                at_site = rows[starts[code] : starts[code + 1]]
                at_site = at_site[full[at_site]]
                found.append(at_site)
                have += len(at_site)
        if have < stop:  # the rows without a line, in id order
            rest = full & ~lined[self.column("site")]
            by_id = self.id_order()
            selected = np.flatnonzero(rest) if by_id is None else by_id[rest[by_id]]
            found.append(selected[: stop - have])
        return np.concatenate(found)[start:stop]

    def id_order(self) -> np.ndarray | None:
        """Positions in id order; None when the positions are in id order already (the usual case:
        rows are loaded by id and new ids are higher)."""
        if self._position is None:
            return None
        if self._id_order is None:
            self._id_order = np.argsort(self.column("id"), kind="stable")
        return self._id_order
