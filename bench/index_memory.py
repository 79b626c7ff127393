"""The selection index's resident memory per process, measured in a fresh process (bench/search.py).

``bench/search.py`` generates its database and then runs this script as a child process against it,
twice: once for the resident memory, once under tracemalloc (which costs memory of its own). The child
does what a web process does, in that order:

1. ``django.setup()``, then what a process has imported and opened before its first search (the search
   backend's modules, the URL conf through the first ``reverse()``, its database connection);
   ``gc.collect()``, then its RSS (Linux ``VmRSS``) is the baseline;
2. the warm-up an ASGI server process runs on its first request (``search.warmup``: a background thread
   builds the index and ``warm()``s it: sort orders, ranks, the text and site groupings, then
   ``gc.freeze()``), then the first searches (every sort order, free-text terms; in this thread, as a
   request would);
3. ``gc.collect()``, then its RSS again. The growth is the index's resident memory per process: what it
   keeps plus what the allocator kept of the build's peak.

Under tracemalloc (``--trace``, started after step 1) it reports the Python allocations still live after
step 3 (retained) and the highest total during steps 2–3 (the build peak).

    .venv/bin/python bench/index_memory.py \
        --database /tmp/x.sqlite3 --queries queries.json [--trace]
"""

import argparse
import gc
import json
import os
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def rss_mb() -> float:
    """This process's resident memory (Linux ``VmRSS``), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(database: str, queries: list[dict], *, trace: bool) -> dict:
    import django

    django.setup()
    from django.db import connection

    connection.settings_dict["NAME"] = database  # the generated (test) database, not the configured one

    from search import warmup
    from search.backends import get_backend
    from search.backends.base import record_url
    from search.query import ComputeQuery

    record_url("WARM")  # the first reverse() imports the URL conf (every view): the process's, not the index's
    parsed = [ComputeQuery.from_params(params) for params in queries]
    connection.ensure_connection()
    gc.collect()
    before = rss_mb()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    thread = warmup.warm_up_in_background(force=True)
    thread.join()
    warm_s = time.perf_counter() - started
    backend = get_backend()
    for query in parsed:
        backend.search(query)
    gc.collect()
    after = rss_mb()
    result = {"rss_before_mb": before, "rss_after_mb": after, "warm_s": warm_s, "searches": len(parsed)}
    index = backend.index()
    result["rows"] = index.size
    if trace:
        current, peak = tracemalloc.get_traced_memory()
        result["retained_mb"], result["peak_mb"] = current / 2**20, peak / 2**20
        snapshot = tracemalloc.take_snapshot()
        tracemalloc.stop()
        result["top"] = [
            f"{stat.size / 2**20:.1f} MB {stat.traceback[0].filename.removeprefix(str(ROOT) + '/')}:"
            f"{stat.traceback[0].lineno}"
            for stat in snapshot.statistics("lineno")[:14]
        ]
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="the database NAME (SQLite file or PostgreSQL database)")
    parser.add_argument("--queries", required=True, help="a JSON file: a list of query parameter dicts")
    parser.add_argument("--trace", action="store_true", help="also tracemalloc's retained and peak memory")
    args = parser.parse_args(argv)
    queries = json.loads(Path(args.queries).read_text())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
    print(json.dumps(measure(args.database, queries, trace=args.trace)))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
