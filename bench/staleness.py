"""make bench-staleness: the selection index's staleness — time from a commit in another process to
the first search in this process that sees it — with two concurrent writers in other processes.

Set-up (a throwaway SQLite file; a throwaway PostgreSQL database too when DATABASE_URL is set):
``--size`` resources generated as bench-search does. Then three processes:

- the searcher (the measured process): builds and warms the database backend as a server does
  (search/warmup.py, the collector's freeze included),
  then searches in a loop (the fixed query mix of bench-search, the feed read at most every
  ``SEARCH_FRESHNESS_SECONDS`` as in production, and on PostgreSQL at once when a writer's commit
  is announced: changes.listen; ``--no-listen`` polls only) and after each search checks the changes the
  writers reported as committed against the index that answered it;
- writer 1, status changes: ``record_update_status`` (the provider API's service) on one resource
  after another at ``--rate`` a second, each a price no resource had;
- writer 2, a long import updating existing rows: one transaction that updates ``--import-rows``
  resources' prices in batches of 500 (``executemany``, as the import engine writes) spread over
  ``--import-seconds``, then appends its changes with the engine's own call
  (``records_changed_append``, each record with its patch: the new value of its changed field) and
  commits — the case of the former freshness stamp's hole: its rows
  carry older ``updated_at`` values and a lower feed sequence than the status changes committed
  meanwhile.

Each writer appends ``(commit time, resource id, price)`` after its commit; a change counts as seen
at the end of the first search after which the index holds that price. Prints p50/p95/max
staleness per writer and overall, and the misses (changes not seen within ``--grace`` seconds);
then where the time goes: the status writer's time from starting a change to its commit (on SQLite
it waits there for the import's write lock: seconds, outside the staleness measured) and the
searcher's time reading the feed and applying its rows per read that had any (the import's rows in
one go, from their patches), wall clock and, for the import's read, CPU.
``--dump FILE`` keeps the searcher's raw figures.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import percentile

ROOT = Path(__file__).resolve().parent.parent
# bench/ is on the path for ``common``; its search.py must not hide the ``search`` app
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]
SEED = 20261206
# what the searcher asks in turn (each answered by the whole index, after reading the feed)
QUERIES = (
    {},
    {"resource_class": "intelligent", "sort": "price"},
    {"available_now": "1", "sort": "available"},
    {"min_cards": "64", "sort": "price_performance_fp16"},
    {"q": "A100"},
)


def _django():
    import django

    django.setup()


def setup(args) -> None:
    """Create the throwaway database (tables from the models) and generate the catalogue; keep it."""
    _django()
    import importlib.util

    from django.db import connection

    spec = importlib.util.spec_from_file_location("bench_search", ROOT / "bench" / "search.py")
    bench_search = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_search)  # (not "search": that is the Django app)

    connection.settings_dict["TEST"]["NAME"] = args.database
    connection.settings_dict["TEST"]["MIGRATE"] = False
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    bench_search.generate(args.size, random.Random(SEED))


def searcher(args) -> None:
    _django()
    import numpy as np

    from search.backends import freshness_seconds
    from search.backends.database import DatabaseBackend
    from search.query import ComputeQuery
    from search.warmup import freeze_long_lived

    backend = DatabaseBackend(freshness_interval=freshness_seconds())
    backend.rebuild()
    backend.warm()
    freeze_long_lived()  # as the server's warm-up does (search/warmup.py)
    # (ended at, seconds, feed rows, CPU seconds) of each read of the feed, reading and applying its rows
    catch_ups: list[tuple[float, float, int, float]] = []
    catch_up, apply = backend._catch_up, backend._apply
    applied = []

    def timed_apply(rows):
        applied.append(len(rows))
        apply(rows)

    def timed_catch_up():
        began, cpu = time.time(), time.process_time()
        applied.clear()
        catch_up()
        if sum(applied):
            catch_ups.append((time.time(), time.time() - began, sum(applied), time.process_time() - cpu))

    backend._apply, backend._catch_up = timed_apply, timed_catch_up
    queries = [ComputeQuery.from_params(params) for params in QUERIES]
    Path(args.ready).write_text("ready")
    reported = {name: Path(args.workdir) / f"{name}.jsonl" for name in ("status", "import")}
    offsets = dict.fromkeys(reported, 0)
    pending: dict[int, tuple[str, float, float]] = {}  # resource id -> (writer, price, commit time)
    seen: list[tuple[str, float]] = []
    waits: list[float] = []  # status writer: from starting a change to its commit (lock waits included)
    searches = 0
    done_at = None
    started = time.time()
    while True:
        finished = all((Path(args.workdir) / f"{name}.done").exists() for name in reported)  # before reading
        for name, path in reported.items():
            if path.exists():
                with path.open() as stream:
                    stream.seek(offsets[name])
                    for line in stream:
                        if not line.endswith("\n"):
                            break
                        offsets[name] += len(line.encode())
                        if line.startswith("{"):
                            row = json.loads(line)
                            pending[row["id"]] = (name, row["price"], row["committed"])
                            if "intended" in row:
                                waits.append(row["committed"] - row["intended"])
        backend.search(queries[searches % len(queries)])
        searches += 1
        now = time.time()
        if pending:
            index = backend._index
            ids = np.array(sorted(pending), dtype=np.int64)
            prices = index.column("price")[index._positions(ids)]
            for pk, price in zip(ids.tolist(), prices.tolist(), strict=True):
                name, expected, committed = pending[pk]
                if abs(price - expected) < 0.005:
                    seen.append((name, max(now - committed, 0.0)))
                    del pending[pk]
        if finished and done_at is None:
            done_at = now
        if finished and (not pending or now - done_at > args.grace):
            break
        if now - started > 600:
            break
    result = {
        "seen": seen,
        "misses": len(pending),
        "searches": searches,
        "seconds": time.time() - started,
        "freshness_s": freshness_seconds(),
        "listening": backend._signal is not None and backend._signal.listening,
        "load": os.getloadavg()[0],
        "catch_ups": catch_ups,
        "waits": waits,
    }
    Path(args.json).write_text(json.dumps(result))


def status_writer(args) -> None:
    _django()
    from decimal import Decimal

    from catalog.models import ComputeResource
    from catalog.services import record_update_status

    ids = list(ComputeResource.objects.order_by("pk").values_list("pk", flat=True))[args.import_rows :]
    out = Path(args.workdir) / "status.jsonl"
    interval = 1.0 / args.rate
    next_at = time.perf_counter()
    with out.open("w") as stream:
        for n, pk in enumerate(ids[: args.status_changes]):
            price = Decimal(5000 + n) / 100 + Decimal("1000.00")
            intended = time.time()  # (the writer's schedule: it starts its change now)
            record_update_status(record=ComputeResource(pk=pk), changes={"price_yuan": price})
            row = {"id": pk, "price": float(price), "committed": time.time(), "intended": intended}
            stream.write(json.dumps(row) + "\n")
            stream.flush()
            next_at += interval
            time.sleep(max(0.0, next_at - time.perf_counter()))
    (Path(args.workdir) / "status.done").write_text("done")


def import_writer(args) -> None:
    _django()
    from decimal import Decimal

    from django.db import connection, transaction

    from catalog.models import ComputeResource
    from catalog.services import records_changed_append

    ids = list(ComputeResource.objects.order_by("pk").values_list("pk", flat=True))[: args.import_rows]
    prices = {pk: 2000.0 + n / 100 for n, pk in enumerate(ids)}
    table = ComputeResource._meta.db_table
    batches = [ids[at : at + 500] for at in range(0, len(ids), 500)]
    pause = args.import_seconds / max(len(batches), 1)
    time.sleep(0.5)  # let the status writer start first: the import overlaps its commits
    with transaction.atomic():
        with connection.cursor() as cursor:
            for batch in batches:
                cursor.executemany(
                    f"UPDATE {table} SET price_yuan = %s, version = version + 1, updated_at = %s WHERE id = %s",
                    [(f"{prices[pk]:.2f}", connection.ops.adapt_datetimefield_value(_now()), pk) for pk in batch],
                )
                time.sleep(pause)
        # as the import engine appends them: each changed record with the new values of its changed fields
        patches = {pk: {"price_yuan": Decimal(f"{prices[pk]:.2f}")} for pk in ids}
        records_changed_append(model=ComputeResource, record_ids=ids, change="imported", patches=patches)
    committed = time.time()
    with (Path(args.workdir) / "import.jsonl").open("w") as stream:
        for pk in ids:
            stream.write(json.dumps({"id": pk, "price": prices[pk], "committed": committed}) + "\n")
    (Path(args.workdir) / "import.done").write_text("done")


def _now():
    from django.utils import timezone

    return timezone.now()


def summary(values: list[float], what: str = "changes") -> str:
    if not values:
        return "none"
    ms = sorted(value * 1000 for value in values)
    p50, p95 = percentile(ms, 0.5), percentile(ms, 0.95)
    return f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {ms[-1]:.1f} ms ({len(ms):,} {what})"


def run_engine(engine: str, args) -> bool:
    with tempfile.TemporaryDirectory(prefix="bench-staleness-") as workdir:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test", "PYTHONPATH": str(ROOT)}
        env["CHANGES_LISTEN"] = "0" if args.no_listen else "1"  # as production has it (changes.listen)
        if engine == "sqlite":
            env.pop("DATABASE_URL", None)
            database = str(Path(workdir) / "staleness.sqlite3")
            env["SQLITE_PATH"] = str(Path(workdir) / "unused.sqlite3")
            child_env = {**env, "SQLITE_PATH": database}
        else:
            base, own = os.environ["DATABASE_URL"].rsplit("/", 1)
            database = f"{own.split('?')[0]}_staleness"  # named after DATABASE_URL's database, dropped at the end
            child_env = {**env, "DATABASE_URL": f"{base}/{database}"}
        common = ["--workdir", workdir, "--database", database, "--size", str(args.size)]
        common += ["--import-rows", str(args.import_rows), "--import-seconds", str(args.import_seconds)]
        common += ["--status-changes", str(args.status_changes), "--rate", str(args.rate), "--grace", str(args.grace)]
        started = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--role", "setup", *common], env=env, cwd=ROOT, check=True)
        setup_s = time.perf_counter() - started
        ready, out = Path(workdir) / "ready", Path(workdir) / "result.json"
        role = [sys.executable, __file__, *common, "--ready", str(ready), "--json", str(out)]
        searcher_process = subprocess.Popen([*role, "--role", "searcher"], env=child_env, cwd=ROOT)
        while not ready.exists() and searcher_process.poll() is None:
            time.sleep(0.1)
        writers = [subprocess.Popen([*role, "--role", name], env=child_env, cwd=ROOT) for name in ("status", "import")]
        for writer in writers:
            writer.wait()
        searcher_process.wait()
        if engine == "postgres":
            import psycopg

            maintenance = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
            with psycopg.connect(maintenance, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{database}"')
        if not out.exists():
            print(f"\n== {engine}: FAILED")
            return False
        result = json.loads(out.read_text())
    seen = result["seen"]
    woken = " and when a commit is announced (NOTIFY)" if result.get("listening") else ""
    print(f"\n== {engine}: {args.size:,} resources (set-up {setup_s:.1f} s), feed read at most every "
          f"{result['freshness_s']:g} s{woken}; {result['searches']:,} searches in {result['seconds']:.1f} s, "
          f"load {result['load']:.2f}")  # fmt: skip
    print(f"   status writer ({args.rate:g}/s):  {summary([s for name, s in seen if name == 'status'])}")
    print(f"   long import ({args.import_rows:,} rows, {args.import_seconds:g} s in one transaction): "
          f"{summary([s for name, s in seen if name == 'import'])}")  # fmt: skip
    print(f"   all changes: {summary([s for _name, s in seen])}; misses {result['misses']}")
    print(f"   status writer, start of a change -> its commit (lock waits): {summary(result['waits'])}")
    catch_ups = result["catch_ups"]
    spans = [seconds for _at, seconds, _rows, _cpu in catch_ups]
    rows = sorted(count for _at, _seconds, count, _cpu in catch_ups)
    print(f"   searcher, reading the feed and applying its rows (reads with rows): {summary(spans, 'reads')}; "
          f"rows per read p50 {percentile(rows, 0.5) if rows else 0}, max {rows[-1] if rows else 0}")  # fmt: skip
    for _at, seconds, count, cpu in catch_ups:
        if count >= 1000:  # the import's rows
            print(f"      a read of {count:,} rows: {seconds * 1000:.1f} ms, of which CPU {cpu * 1000:.1f} ms")
    if args.dump:
        Path(args.dump).write_text(json.dumps(result))
    return result["misses"] == 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--status-changes", type=int, default=2_000)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--import-rows", type=int, default=8_000)
    parser.add_argument("--import-seconds", type=float, default=5.0)
    parser.add_argument("--grace", type=float, default=10.0)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument("--no-listen", action="store_true", help="PostgreSQL: poll the feed only (no NOTIFY wake-up)")
    parser.add_argument("--dump", help="write the searcher's raw figures (JSON) to this file")
    for hidden in ("--role", "--workdir", "--database", "--ready", "--json"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.role:
        roles = {"setup": setup, "searcher": searcher, "status": status_writer, "import": import_writer}
        roles[args.role](args)
        return 0
    if args.size < args.import_rows + args.status_changes:
        parser.error("--size must cover --import-rows + --status-changes (each change its own resource)")
    engines = ["sqlite"] + (["postgres"] if os.environ.get("DATABASE_URL") else [])
    if args.only:
        engines = [args.only]
    print(
        f"bench-staleness: {args.status_changes:,} status changes + a {args.import_rows:,}-row import, "
        f"two writer processes; {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}"
    )
    ok = [run_engine(engine, args) for engine in engines]
    ok = all(ok)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
