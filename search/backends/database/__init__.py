"""The database backend: an in-process columnar facet index over the catalogue (the embedded default).

Why not SQL per query: one COUNT plus one GROUP BY per facet costs ~100 ms at 100k rows on SQLite.
Instead each process keeps every resource as numpy columns (``ColumnIndex``):

- loaded column-wise, with no model instances and no dict per row: one ORM-compiled query over the
  resource table (with its identifier) read through a server-side cursor in chunks of
  ``FETCH_CHUNK`` rows, each chunk transposed into columns and turned into numpy arrays in bulk;
  site and provider names come from their own small tables. Strings many rows share (classes,
  models, places, descriptions, certifications) are dictionary-encoded: one small integer per row.
  Names and identifiers are kept per row packed in one UTF-8 buffer each (strings.py), not as a
  Python string per row; positions, ranks and small integers are int32. After a build the freed
  memory goes back to the OS (trim.py); ``make bench-search`` measures what a process keeps. A
  document (search/documents.py) is assembled for the rows of a page only;
- a query is a few vectorised comparisons (one boolean mask per filter); facet counts are
  ``bincount``s over the rows matching every *other* filter (disjunctive facets: the counts of a
  facet do not depend on the value chosen in it), facets with few values counted together through
  one joint code, and a selection of more than half the rows counted as all rows minus the others;
  a page of a large selection is read off a precomputed sort permutation, a small selection is
  ranked by its rows' precomputed ranks; the latency sort walks the sites in the order of their
  best line (rows grouped by site, by id). The sort orders are patched after a change of a few
  rows, not sorted again (``_Order``);
- free text: every whitespace-separated term must be a substring of one whitespace token of the
  lowercased document text. A term has no whitespace, so that is: a substring of one of the text's
  parts. Shared parts are matched once per distinct value and mapped to rows through their codes;
  names and identifiers are searched in one newline-joined string each (built once, then only the
  rows changed since are checked one by one, until enough changed to build it again);
- kept in step by the change feed (changes/): every catalogue write appends its changes in its own
  transaction; the index keeps a ``FeedReader`` positioned where it was loaded and, before
  answering, reads the changes committed since (by any process) and re-reads just those rows: a
  resource, every resource of a renamed site or organisation (provider), the lines per city after
  a line changed. The reader never skips a change that commits late with a lower sequence number
  (see changes.selectors). The feed is read at most every ``SEARCH_FRESHNESS_SECONDS`` outside
  transactions (default: every search on SQLite, where the read costs ~0.05 ms; every 0.1 s on
  PostgreSQL: see ``backends.freshness_seconds``), always inside a transaction; on PostgreSQL also
  at the next search after another process's commit was announced (``NOTIFY`` in the writer's
  transaction, changes.listen; at most every ``WAKE_SPACING_SECONDS``). Bulk imports' patches of
  numbers go straight into their columns (patches.py). When the reader's
  position is gone from the feed (pruned past it, or a transaction that searched rolled back) the
  index is rebuilt.
- warm: ``DatabaseBackend.warm()`` builds the index and everything the first queries would
  otherwise build (sort orders, ranks, the text and site groupings); an ASGI server process runs it
  in a background thread on its first request (search/warmup.py), so no user query pays the build.

The index works the same on SQLite and PostgreSQL: only the loading and feed queries touch the
database, and both are ORM-compiled / ANSI SQL.
"""

from .backend import DatabaseBackend
from .columns import FETCH
from .index import ColumnIndex

__all__ = ["FETCH", "ColumnIndex", "DatabaseBackend"]
