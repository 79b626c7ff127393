"""make bench-metrics: provider metric samples through the ingestion endpoint, roll-up lag, dashboard queries.

In a throwaway SQLite database (tables from the models) with ``--resources`` listed compute resources of
one provider, it:

1. serves the node with daphne (``portal.asgi:application``, one process, DEBUG off, as in production)
   and runs the roll-ups beside it in another process: ``--roller worker`` (default) is what `make run`
   and production run, ``manage.py run_worker`` with its schedule (the resource roll-up enqueued every
   second while sums wait, picked up by the queue's poll); ``--roller loop`` is the old hand-started
   ``manage.py metrics_rollup --loop`` (the resource roll-up every ``--rollup-every`` seconds).
   Then it POSTs ``--samples`` samples in time-ordered batches of ``--batch`` to
   ``/api/v1/provider/metrics/`` over loopback, one batch after the other (the load generator's work,
   building and encoding the bodies, is done before the clock starts); prints samples/s;
2. measures the roll-up lag honestly: a poller (every 50 ms, its own database connection) reads the
   hourly and daily rows of each answered batch's (resource, hour/day) buckets; a batch is rolled up
   once every bucket counts at least the samples committed up to that batch. Lag = first poll that
   sees it − the moment its response arrived (the commit precedes the response, the poll may see it
   up to 50 ms late);
3. calls the ingestion service directly with the same number of samples, as a baseline (no HTTP, no
   JSON, no validation) and prints the ratio;
4. rebuilds every roll-up from scratch and prints the time;
5. times dashboard chart queries (p50/p95) and prints peak memory (RSS) of the server, the roll-up
   process and this driver, and the load average before and after.

Targets (issue 7): ≥ 20,000 samples/s and roll-ups ≤ 5 s behind, on 2 cores with SQLite.

    .venv/bin/python bench/metrics.py [--samples 1000000] [--resources 200] [--batch 5000]
                                      [--roller worker|loop] [--rollup-every 1]
"""

import argparse
import collections
import datetime
import http.client
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import free_port, peak_rss_mb, percentile

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
POLL_S = 0.05


def seed(resources: int):
    from django.contrib.auth.models import Group

    from catalog import services
    from catalog.models import AcceleratorModel, ComputeResource, ListingState, Provider, Site
    from catalog.reference_data import load_accelerators
    from organizations.models import Division, IndustryCategory, Organization, User
    from organizations.reference_data import load_all
    from organizations.uscc import make_uscc

    load_all(Division=Division, IndustryCategory=IndustryCategory, Group=Group)
    load_accelerators(AcceleratorModel)
    organization = Organization.objects.create(
        name="压测算力有限公司",
        uscc=make_uscc(division="510100", body="MA000001"),
        kind="enterprise",
        province_id="510000",
        city_id="510100",
    )
    provider = Provider.objects.create(
        organization=organization, onboarding_state="certified", is_resource_provider=True
    )
    user = User.objects.create(username="bench", organization=organization)
    sites = [
        Site.objects.create(provider=provider, code=f"S{n}", name=f"压测数据中心{n}", province_id=p, city_id=c)
        for n, (p, c) in enumerate([("510000", "510100"), ("510000", "510700"), ("130000", "130100")])
    ]
    classes = ["intelligent", "intelligent", "supercomputing", "general"]
    ComputeResource.objects.bulk_create(
        [
            ComputeResource(
                provider=provider,
                site=sites[n % 3],
                province_code=sites[n % 3].province_id,
                city_code=sites[n % 3].city_id,
                external_id=f"R{n:05d}",
                name=f"压测资源{n}",
                resource_class=classes[n % 4],
                accelerator_model="NVIDIA A100 80GB (SXM4)",
                accelerators_per_node=8,
                node_count=8,
                price_yuan=10,
                available_units=32,
                fp16_tflops_per_card=312,
                fp32_tflops_per_card=19.5,
                fp64_tflops_per_card=9.7,
                listing_state=ListingState.APPROVED,
            )
            for n in range(resources)
        ]
    )
    _, raw_key = services.api_key_create(provider=provider, name="bench", actor=user)
    return raw_key, [f"R{n:05d}" for n in range(resources)]


def batches(ids: list[str], total: int, size: int, end: datetime.datetime, interval_s: int = 60):
    """Time-ordered batches: every resource once per timestamp, ``interval_s`` apart, ending at ``end``."""
    steps = -(-total // len(ids))
    start = end - datetime.timedelta(seconds=interval_s * steps)
    current, produced = [], 0
    for step in range(steps):
        moment = (start + datetime.timedelta(seconds=interval_s * step)).isoformat()
        for n, external_id in enumerate(ids):
            if produced == total:
                break
            current.append(
                {
                    "resource": external_id,
                    "sampled_at": moment,
                    "available_cards": (n * 7 + step) % 64,
                    "utilisation_percent": float((n * 13 + step) % 100),
                    "state": "online" if (n + step) % 50 else "maintenance",
                }
            )
            produced += 1
            if len(current) == size:
                yield current
                current = []
    if current:
        yield current


class Expectations:
    """What the roll-up must show once a batch is in: per (resource, hour) and (resource, day), the
    number of samples committed up to and including that batch (batches are posted one at a time)."""

    def __init__(self, pks: dict[str, int]):
        from django.db import connection

        from monitoring.metrics.periods import day_start, hour_start

        self.pks, self.hour_start, self.day_start = pks, hour_start, day_start
        self.stored = connection.ops.adapt_datetimefield_value  # periods as the database stores them
        self.hours: collections.Counter = collections.Counter()
        self.days: collections.Counter = collections.Counter()
        self.periods: dict[str, tuple] = {}

    def add(self, batch: list[dict]) -> tuple[dict, dict]:
        touched_hours, touched_days = set(), set()
        for sample in batch:
            moment = sample["sampled_at"]
            if moment not in self.periods:
                parsed = datetime.datetime.fromisoformat(moment)
                self.periods[moment] = (self.stored(self.hour_start(parsed)), self.stored(self.day_start(parsed)))
            hour, day = self.periods[moment]
            pk = self.pks[sample["resource"]]
            self.hours[(pk, hour)] += 1
            self.days[(pk, day)] += 1
            touched_hours.add((pk, hour))
            touched_days.add((pk, day))
        return {key: self.hours[key] for key in touched_hours}, {key: self.days[key] for key in touched_days}


class LagPoller(threading.Thread):
    """Polls the hourly and daily roll-up rows until every answered batch is seen in both."""

    def __init__(self):
        super().__init__(daemon=True)
        self.waiting: collections.deque = collections.deque()  # (answered at, hour counts, day counts)
        self.lock = threading.Lock()
        self.hour_lags: list[float] = []
        self.day_lags: list[float] = []
        self.stop = threading.Event()

    def answered(self, at: float, hours: dict, days: dict) -> None:
        with self.lock:
            self.waiting.append([at, hours, days, None, None])

    def pending(self) -> int:
        with self.lock:
            return len(self.waiting)

    def run(self):
        from django.db import connection

        from monitoring.models import Granularity

        def counts(granularity, periods):
            # plain SQL with the periods as stored text: the poller must stay light beside the server
            periods = sorted(periods)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT resource_id, CAST(period_start AS TEXT), samples FROM monitoring_resourcerollup"
                    f" WHERE granularity = %s AND period_start IN ({', '.join(['%s'] * len(periods))})",
                    [granularity, *periods],
                )
                return {(pk, start): n for pk, start, n in cursor.fetchall()}

        try:
            while not self.stop.is_set():
                with self.lock:
                    waiting = list(self.waiting)
                if waiting:
                    hours = counts(Granularity.HOUR.value, {key[1] for entry in waiting for key in entry[1]})
                    days = counts(Granularity.DAY.value, {key[1] for entry in waiting for key in entry[2]})
                    seen = time.perf_counter()
                    done = 0
                    for entry in waiting:
                        at, want_hours, want_days = entry[0], entry[1], entry[2]
                        if entry[3] is None and all(hours.get(k, 0) >= n for k, n in want_hours.items()):
                            entry[3] = seen - at
                        if entry[4] is None and all(days.get(k, 0) >= n for k, n in want_days.items()):
                            entry[4] = seen - at
                        if entry[3] is None or entry[4] is None:
                            break
                        done += 1
                    with self.lock:
                        for _ in range(done):
                            entry = self.waiting.popleft()
                            self.hour_lags.append(entry[3])
                            self.day_lags.append(entry[4])
                time.sleep(POLL_S)
        finally:
            connection.close()


class Poster:
    """POSTs JSON bodies over one keep-alive HTTP connection to daphne on loopback."""

    def __init__(self, port: int, raw_key: str):
        self.port, self.connection = port, None
        self.headers = {"Authorization": f"Api-Key {raw_key}", "Content-Type": "application/json"}

    def post(self, body: bytes) -> dict:
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
            try:
                self.connection.request("POST", "/api/v1/provider/metrics/", body=body, headers=self.headers)
                response = self.connection.getresponse()
                status, payload = response.status, response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {payload[:300]!r}")
        return json.loads(payload)


def _start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT)


def _stop(process: subprocess.Popen) -> float:
    """Stop a child process; returns its peak resident memory in MB."""
    peak = peak_rss_mb(process.pid)
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return peak


def _wait_for_http(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("daphne exited: " + log.read_text()[-2000:])
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("daphne did not start")


def _first_job_done(log: Path) -> bool:
    """Has the roller finished its first whole job (flows 8–10 too)? The loop prints it; the worker
    records the task's result in the queue."""
    if "snapshot" in log.read_text():
        return True
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    done = DBTaskResult.objects.filter(task_path="monitoring.tasks.metrics_rollup", status="SUCCESSFUL").exists()
    connection.close()
    return done


def _wait_for_first_job(process: subprocess.Popen, log: Path) -> None:
    """The roller starts with the whole job; post only once it has finished it."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the roll-up process exited: " + log.read_text()[-2000:])
        if _first_job_done(log):
            return
        time.sleep(0.2)
    raise RuntimeError("the roll-up process did not finish its first run")


def _roller_command(args) -> list[str]:
    if args.roller == "worker":
        return [PYTHON, str(ROOT / "manage.py"), "run_worker", "--skip-checks"]
    manage = [PYTHON, str(ROOT / "manage.py"), "metrics_rollup", "--skip-checks", "--no-snapshot", "--no-report"]
    return [*manage, "--loop", "86400", "--rollup-every", str(args.rollup_every), "-v", "2"]


def _worker_passes() -> list[float]:
    """Seconds each resource roll-up task ran on the worker (from the queue's own records)."""
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.filter(
        task_path="monitoring.tasks.metrics_resource_rollup", status="SUCCESSFUL"
    ).values_list("started_at", "finished_at")
    return [(finished - started).total_seconds() for started, finished in rows]


def run(args, env: dict) -> dict:
    import django

    django.setup()
    import orjson
    from django.db import connection
    from django.utils import timezone

    connection.settings_dict["TEST"]["NAME"] = env["SQLITE_PATH"]
    connection.settings_dict["TEST"]["MIGRATE"] = False
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    from catalog.models import ComputeResource
    from monitoring.metrics import charts, selectors
    from monitoring.metrics.ingest import resource_samples_ingest
    from monitoring.metrics.rollup import resource_rollup_rebuild
    from monitoring.models import Granularity, ResourceRollup

    raw_key, ids = seed(args.resources)
    pks = dict(ComputeResource.objects.values_list("external_id", "pk"))
    connection.close()
    end = timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=1)
    workdir = Path(args.workdir)

    # 1–2. daphne and the roll-up loop in their own processes; this one posts and polls
    port = free_port()
    server_log, rollup_log = workdir / "daphne.log", workdir / "rollup.log"
    server = _start(
        [str(Path(PYTHON).with_name("daphne")), "-b", "127.0.0.1", "-p", str(port), "portal.asgi:application"],
        env,
        server_log,
    )
    roller = None
    try:
        _wait_for_http(port, server, server_log)
        roller = _start(_roller_command(args), env, rollup_log)
        _wait_for_first_job(roller, rollup_log)
        expectations, poller, poster = Expectations(pks), LagPoller(), Poster(port, raw_key)
        # the load generator's work is done before the clock starts: bodies and expected counts
        prepared = [
            (orjson.dumps({"samples": batch}), expectations.add(batch))
            for batch in batches(ids, args.samples, args.batch, end)
        ]
        poller.start()
        load_before = os.getloadavg()
        accepted, started = 0, time.perf_counter()
        for body, (hours, days) in prepared:
            accepted += poster.post(body)["accepted"]["samples"]
            poller.answered(time.perf_counter(), hours, days)
        ingest_s = time.perf_counter() - started
        del prepared
        deadline = time.perf_counter() + 120
        while poller.pending() and time.perf_counter() < deadline:
            time.sleep(POLL_S)
        unseen = poller.pending()
        poller.stop.set()
        poller.join()
        duplicate = poster.post(orjson.dumps({"samples": next(batches(ids, args.batch, args.batch, end))}))
        load_after = os.getloadavg()
    finally:
        server_peak = _stop(server)
        rollup_peak = _stop(roller) if roller else float("nan")
    if args.roller == "worker":
        passes = _worker_passes()
    else:
        passes = [
            float(line.rsplit("·", 1)[1].split()[0]) for line in rollup_log.read_text().splitlines()[1:] if "·" in line
        ]

    # 3. baseline: the ingestion service alone, same volume, earlier timestamps
    resources = {r.external_id: r for r in ComputeResource.objects.all()}
    earlier = end - datetime.timedelta(days=30)
    started = time.perf_counter()
    baseline = 0
    for batch in batches(ids, args.samples, args.batch, earlier):
        rows = [{**s, "sampled_at": datetime.datetime.fromisoformat(s["sampled_at"])} for s in batch]
        baseline += resource_samples_ingest(resources=resources, samples=rows).accepted
    baseline_s = time.perf_counter() - started

    # 4. every roll-up from scratch
    ResourceRollup.objects.all().delete()
    started = time.perf_counter()
    rolled = resource_rollup_rebuild()
    rollup_s = time.perf_counter() - started

    # 5. dashboard queries
    now = timezone.now()
    scopes = {
        "hourly, 7 days": selectors.MetricScope(Granularity.HOUR, now - datetime.timedelta(days=7), now),
        "daily, 60 days": selectors.MetricScope(Granularity.DAY, now - datetime.timedelta(days=60), now),
    }
    queries = {}
    for label, scope in scopes.items():
        for chart_id in ("capacity_cards", "utilisation", "by_province", "by_provider"):
            timings = []
            for _ in range(args.queries):
                t = time.perf_counter()
                charts.chart_data(charts.CHARTS_BY_ID[chart_id], scope)
                timings.append((time.perf_counter() - t) * 1000)
            queries[f"{chart_id} ({label})"] = {"p50": statistics.median(timings), "p95": percentile(timings, 0.95)}

    def lags(values):
        if not values:
            return None
        return {"p50": statistics.median(values), "p95": percentile(values, 0.95), "max": max(values)}

    return {
        "samples": args.samples,
        "accepted": accepted,
        "duplicate_batch": duplicate,
        "ingest_s": ingest_s,
        "hour_lag": lags(poller.hour_lags),
        "day_lag": lags(poller.day_lags),
        "unseen": unseen,
        "baseline": baseline,
        "baseline_s": baseline_s,
        "rollup_s": rollup_s,
        "passes": passes,
        "rolled": [rolled.samples, rolled.hours, rolled.days],
        "rollup_rows": ResourceRollup.objects.count(),
        "queries": queries,
        "peak_mb": {
            "server": server_peak,
            "roll-up": rollup_peak,
            "driver": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        },
        "load": [load_before, load_after],
    }


def report(result: dict, args) -> None:
    rate = result["accepted"] / result["ingest_s"]
    base = result["baseline"] / result["baseline_s"]
    before, after = result["load"]
    print(
        f"   ingested {result['accepted']:,} of {result['samples']:,} samples via http on daphne"
        f" in {result['ingest_s']:.1f} s: {rate:,.0f} samples/s"
        f" (target ≥ 20,000: {'met' if rate >= 20_000 else 'NOT met'})"
    )
    print(f"   load average during the run: {before[0]:.2f} at the start, {after[0]:.2f} (1 min) at the end")
    print(
        f"   baseline (ingestion service only, no HTTP/JSON/validation): {base:,.0f} samples/s;"
        f" endpoint/baseline = {rate / base:.2f}"
    )
    print(f"   re-sent batch: {result['duplicate_batch']}")
    worst = 0.0
    cadence = f"roll-up every {args.rollup_every:g} s" if args.roller == "loop" else "worker, enqueued every 1 s"
    for label, key in (("hourly", "hour_lag"), ("daily", "day_lag")):
        lag = result[key]
        if lag:
            worst = max(worst, lag["max"])
            print(
                f"   {label} roll-up lag (batch answered → seen in the {label} rows, {cadence}):"
                f" p50 {lag['p50']:.2f} s, p95 {lag['p95']:.2f} s, max {lag['max']:.2f} s"
            )
    passes = result["passes"]
    if passes:
        print(
            f"   roll-up passes during ingestion: {len(passes)}, each p50 {statistics.median(passes) * 1000:.0f} ms,"
            f" max {max(passes) * 1000:.0f} ms"
        )
    if result["unseen"]:
        print(f"   {result['unseen']} batches were never seen in the roll-up (target ≤ 5 s: NOT met)")
    else:
        print(f"   roll-up behind ingestion at most {worst:.2f} s (target ≤ 5 s: {'met' if worst <= 5 else 'NOT met'})")
    samples, hours, days = result["rolled"]
    print(
        f"   full roll-up from scratch: {samples:,} samples → {hours} hours, {days} days,"
        f" {result['rollup_rows']:,} rows in {result['rollup_s']:.1f} s"
        f" ({samples / max(result['rollup_s'], 1e-9):,.0f} samples/s)"
    )
    print(f"   {'dashboard query':<36} {'p50 ms':>8} {'p95 ms':>8}")
    for label, timing in result["queries"].items():
        print(f"   {label:<36} {timing['p50']:>8.1f} {timing['p95']:>8.1f}")
    peaks = result["peak_mb"]
    print(
        f"   peak RSS: server (daphne) {peaks['server']:.0f} MB, roll-up process {peaks['roll-up']:.0f} MB,"
        f" bench driver {peaks['driver']:.0f} MB"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--resources", type=int, default=200)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--roller", choices=["worker", "loop"], default="worker")
    parser.add_argument("--rollup-every", type=float, default=1.0, help="with --roller loop")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        Path(args.json).write_text(json.dumps(run(args, dict(os.environ)), default=str))
        return 0
    print(
        f"bench-metrics: {args.samples:,} samples, {args.resources} resources, batches of {args.batch},"
        f" roll-ups by the {args.roller};"
        f" {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-metrics-") as workdir:
        services = {"DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL"}
        env = {key: value for key, value in os.environ.items() if key not in services}
        env |= {
            "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONPATH": str(ROOT),
            "SQLITE_PATH": str(Path(workdir) / "bench-metrics.sqlite3"),
            "MEDIA_ROOT": str(Path(workdir) / "media"),
            "PRIVATE_MEDIA_ROOT": str(Path(workdir) / "private"),
            "API_THROTTLE_PROVIDER": "1000000/minute",
        }
        out = Path(workdir) / "result.json"
        command = [PYTHON, __file__, "--child", "--workdir", workdir, "--json", str(out)]
        command += ["--samples", str(args.samples), "--resources", str(args.resources), "--batch", str(args.batch)]
        command += ["--queries", str(args.queries), "--rollup-every", str(args.rollup_every)]
        command += ["--roller", args.roller]
        completed = subprocess.run(command, env=env, cwd=ROOT, check=False)
        if completed.returncode or not out.exists():
            for log in ("daphne.log", "rollup.log"):
                path = Path(workdir) / log
                if path.exists():
                    print(f"--- {log}\n{path.read_text()[-3000:]}")
            print(f"FAILED (exit {completed.returncode})")
            return 1
        report(json.loads(out.read_text()), args)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
