"""Mixed open-loop load on the node, one process vs the production topology: `make bench-load`.

Builds a throwaway SQLite database (a migrated copy from bench/migrated.py with the demo catalogue,
campaigns and portal pages, and one provider API key), collects the static files, and serves it under
``portal.settings.production`` twice, one server after the other:

(a) ``make run``'s server: one daphne process (``daphne portal.asgi:application``), no REDIS_URL;
(b) the production topology: deploy/serve.sh (uvicorn, one worker process per core, WEB_CONCURRENCY=)
    with REDIS_URL carrying the cache and the channel layer (a throwaway redis-server this run starts on
    a free loopback port, unless REDIS_URL is given).

A load generator in its own process (bench/loadgen.py) sends requests at a fixed rate
whatever the answers do (open loop: request i leaves at start + i/RATE; a slow server meets more
requests, not fewer), on keep-alive HTTP/1.1 connections it opens as needed, as the TLS proxy forwards
them (``Host`` in ALLOWED_HOSTS, ``X-Forwarded-Proto: https``). The mix:

- 40 % public pages of anonymous visitors (home, a notice, the catalogue, record pages; cached pages);
- 35 % the search API ``/api/v1/search/resources/`` with varied filters, sorts and pages;
- 15 % the selection page ``/select/`` with varied filters;
- 10 % provider status PATCHes ``/api/v1/provider/resources/<id>/status/`` with an API key (each a real
  change of available units or price, which also drops the cached catalogue pages).

Latency is counted from when a request was due, not from when it was sent (no coordinated omission).
It prints offered and achieved req/s, p50/p95/p99 per kind, errors (anything but 200, and time-outs),
the server's RSS summed over its processes (peak during the run) and CPU seconds, and the load average.
The generator shares the machine with the server; so does anything else running.

API rate limits are raised for the run (API_THROTTLE_ANON / API_THROTTLE_PROVIDER): every request comes
from one loopback address, which the shipped limits would rightly refuse; the bench measures serving.
"""

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import Redis, free_port, load_average, process_tree, rss_mb, worker_processes
from loadgen import HOST, MIX, Pool, _exchange, _requests
from migrated import migrated_copy

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SEEDERS = ["organizations.demo", "catalog.demo", "workflows.node_application.demo", "portal.demo"]
TARGET_RPS = 60
TARGET_P95_MS = 300

SEED_SCRIPT = """
import importlib, json, django
django.setup()
from django.db import transaction
from catalog.models import ComputeResource, Identifier, Provider
from catalog.services.api_keys import api_key_create
from organizations.models import User
from portal.models import NoticePage
for name in SEEDERS:
    with transaction.atomic():
        importlib.import_module(name).seed()
listed = ComputeResource.objects.filter(listing_state="approved")
provider = Provider.objects.filter(pk__in=listed.values("provider")).order_by("pk").first()
staff = User.objects.filter(organization=provider.organization, is_active=True).order_by("pk").first()
_key, raw_key = api_key_create(provider=provider, name="bench-load", actor=staff)
identifiers = Identifier.objects.filter(resource__listing_state="approved").order_by("pk")
codes = list(identifiers.values_list("code", flat=True))
def values(field):
    return sorted({v for v in listed.values_list(field, flat=True) if v})
print(json.dumps({
    "pages": ["/", "/en/", NoticePage.objects.live().order_by("pk").first().url, "/catalog/",
              *[f"/catalog/r/{code}/" for code in codes[:6]]],
    "api_key": raw_key,
    "external_ids": list(listed.filter(provider=provider).values_list("external_id", flat=True)),
    "vendors": values("accelerator_vendor"),
    "models": values("accelerator_model"),
    "provinces": values("site__province_id"),
    "classes": values("resource_class"),
}, ensure_ascii=False))
"""


# --- the orchestrator ---------------------------------------------------------------------------
def _env(workdir: Path, *, settings: str, redis_url: str = "") -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL"}}
    env = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": settings,
        "DEBUG": "false",
        "SECRET_KEY": "bench-load-throwaway-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": HOST,
        "ORDER_ACCESS_KEYS": "YmVuY2gtbG9hZC10aHJvd2F3YXktYWNjZXNzLWtleTA=",
        "FEDERATION_SEALING_KEYS": "YmVuY2gtbG9hZC10aHJvd2F3YXktc2VhbGluZy1rZXk=",
        "SQLITE_PATH": str(workdir / "bench.sqlite3"),
        "STATIC_ROOT": str(workdir / "static"),
        "MEDIA_ROOT": str(workdir / "media"),
        "PRIVATE_MEDIA_ROOT": str(workdir / "private"),
        "API_THROTTLE_ANON": "1000000/minute",
        "API_THROTTLE_PROVIDER": "1000000/minute",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        "PYTHON": PYTHON,
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def prepare(workdir: Path) -> dict:
    migrated_copy(workdir / "bench.sqlite3")
    seeded = subprocess.run(
        [PYTHON, "-c", SEED_SCRIPT.replace("SEEDERS", repr(SEEDERS))],
        env=_env(workdir, settings="portal.settings.dev"),
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    plan = json.loads(seeded.stdout.strip().splitlines()[-1])
    subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v", "0"],
        env=_env(workdir, settings="portal.settings.production"),
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return plan


def database_snapshot(workdir: Path) -> None:
    """Keep the prepared database once, so that each topology starts from the same data."""
    snapshot = workdir / "bench.sqlite3.prepared"
    if not snapshot.exists():
        shutil.copyfile(workdir / "bench.sqlite3", snapshot)


def database_restore(workdir: Path) -> None:
    for suffix in ("-wal", "-shm"):
        (workdir / f"bench.sqlite3{suffix}").unlink(missing_ok=True)
    shutil.copyfile(workdir / "bench.sqlite3.prepared", workdir / "bench.sqlite3")


class Server:
    """One of the two topologies, started on ``port``; stopped (the whole process group) on exit."""

    def __init__(self, workdir: Path, *, topology: str, port: int, redis_url: str = "", workers: int = 2):
        self.port = port
        self.env = _env(workdir, settings="portal.settings.production", redis_url=redis_url)
        if topology == "single":
            daphne = str(Path(PYTHON).with_name("daphne"))
            self.command = [daphne, "-b", "127.0.0.1", "-p", str(port), "portal.asgi:application"]
        else:
            self.command = [str(ROOT / "deploy" / "serve.sh")]
            self.env.update({"HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": str(workers)})
            self.env["PROMETHEUS_MULTIPROC_DIR"] = str(workdir / "prometheus")
        self.log = workdir / f"server-{topology}.log"
        self.process = None

    def __enter__(self):
        self.process = subprocess.Popen(
            self.command,
            env=self.env,
            cwd=ROOT,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            with contextlib.suppress(OSError):
                import http.client

                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz", headers={"Host": HOST, "X-Forwarded-Proto": "https"})
                if connection.getresponse().status == 200:
                    return self
            time.sleep(0.3)
        self.__exit__()
        raise RuntimeError("the server did not start")

    def __exit__(self, *exc):
        # The whole group, and soon: an overloaded server (the single process) would otherwise go on
        # answering its backlog of abandoned requests during the next topology's measurement.
        if self.process and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def pids(self) -> list[int]:
        return process_tree(self.process.pid)


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def cpu_by_kind(server: Server, plan: dict, *, count: int = 30) -> dict[str, tuple[float, int]]:
    """Server CPU ms per request of each kind, sent one at a time (no contention inside the server;
    the figure depends less on what else the machine runs than latency does), and page-cache hits."""

    async def measure():
        pool, stream, figures = Pool(server.port), _requests(plan, random.Random(3)), {}
        for wanted, _weight in MIX:
            sent, hits, before = 0, 0, cpu_seconds(server.pids())
            while sent < count:
                kind, method, path, body = next(stream)
                if kind != wanted:
                    continue
                connection = await pool.take(fresh=True)
                _status, _keep, hit = await _exchange(connection, method, path, body, plan["api_key"])
                connection[1].close()
                sent, hits = sent + 1, hits + hit
            figures[wanted] = ((cpu_seconds(server.pids()) - before) * 1000 / count, hits)
        return figures

    return asyncio.run(measure())


def drive(server: Server, plan_file: Path, *, rate: float, duration: float, warmup: float) -> dict:
    """Warm up (not reported), then the measured run; RSS sampled over the server's processes meanwhile."""
    command = [
        PYTHON,
        str(Path(__file__).with_name("loadgen.py")),
        "--port",
        str(server.port),
        "--plan",
        str(plan_file),
    ]
    if warmup > 0:
        subprocess.run(
            [*command, "--rate", str(rate), "--duration", str(warmup), "--seed", "1"], check=True, capture_output=True
        )
    cpu_before = cpu_seconds(server.pids())
    load_before = load_average()
    generator = subprocess.Popen(
        [*command, "--rate", str(rate), "--duration", str(duration), "--seed", "2"], stdout=subprocess.PIPE, text=True
    )
    peak_rss, processes, workers = 0.0, 0, 1
    while generator.poll() is None:
        pids = server.pids()
        processes = max(processes, len(pids))
        workers = len(worker_processes(server.process.pid)) or 1
        peak_rss = max(peak_rss, sum(rss_mb(pid) for pid in pids))
        time.sleep(0.5)
    output = generator.stdout.read()
    if generator.returncode != 0:
        raise RuntimeError("the load generator failed")
    result = json.loads(output)
    pids = server.pids()
    cpu_run = cpu_seconds(pids) - cpu_before
    result["cpu_by_kind"] = cpu_by_kind(server, json.loads(plan_file.read_text()))
    result.update(
        {
            "rss_peak_mb": peak_rss,
            "rss_end_mb": sum(rss_mb(pid) for pid in pids),
            "processes": processes,
            "workers": workers,
            "cpu_seconds": cpu_run,
            "load_before": load_before,
            "load_after": load_average(),
            "server_errors": server_errors(server.log),
        }
    )
    return result


def server_errors(log: Path) -> dict[str, int]:
    """The exceptions the server logged (the last line of each traceback), counted."""
    counts: dict[str, int] = {}
    lines = log.read_text(errors="replace").splitlines()
    for index, line in enumerate(lines):
        if line.startswith("Traceback"):
            end = index + 1
            while end < len(lines) and (lines[end].startswith(" ") or not lines[end].strip()):
                end += 1
            last = lines[end][:160] if end < len(lines) else "?"
            counts[last] = counts.get(last, 0) + 1
    return counts


def report(title: str, result: dict) -> bool:
    print(f"\n{title}")
    print(
        f"  offered {result['offered_rps']:.1f} req/s, achieved {result['achieved_rps']:.1f} req/s (200s) over"
        f" {result['elapsed']:.1f} s, {result['connections']} connections opened"
    )
    print(f"  {'kind':<8} {'requests':>9} {'errors':>7} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'cache hits':>11}")
    for kind, row in result["kinds"].items():
        print(
            f"  {kind:<8} {row['requests']:>9} {row['errors']:>7} {row['p50']:>9.1f} {row['p95']:>9.1f}"
            f" {row['p99']:>9.1f} {row['cache_hits']:>11}"
        )
    if result["retried"]:
        retried = ", ".join(f"{kind} x{count}" for kind, count in sorted(result["retried"].items()))
        print(f"  sent again on a new connection (idle keep-alive connection closed by the server): {retried}")
    for exception, count in sorted(result["server_errors"].items(), key=lambda item: -item[1])[:5]:
        print(f"  server logged x{count}: {exception}")
    if result["errors"]:
        print("  errors: " + ", ".join(f"{name} x{count}" for name, count in sorted(result["errors"].items())))
    requests = result["kinds"]["all"]["requests"] or 1
    print(
        f"  server: {result['workers']} serving process(es) of {result['processes']},"
        f" RSS peak {result['rss_peak_mb']:.0f} MB (sum), at the end"
        f" {result['rss_end_mb']:.0f} MB; CPU {result['cpu_seconds']:.1f} s"
        f" ({result['cpu_seconds'] * 1000 / requests:.1f} ms/request)"
    )
    print(
        "  server CPU per request, one at a time after the run: "
        + ", ".join(
            f"{kind} {ms:.1f} ms" + (f" ({hits} of 30 from the page cache)" if kind == "page" else "")
            for kind, (ms, hits) in result["cpu_by_kind"].items()
        )
    )
    print(f"  load average before {result['load_before']}, after {result['load_after']}")
    row = result["kinds"]["all"]
    return row["errors"] == 0 and row["p95"] <= TARGET_P95_MS and result["achieved_rps"] >= 0.98 * result["offered_rps"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=TARGET_RPS, help=f"requests per second (default {TARGET_RPS})")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of measured load per topology")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of unreported load first (default 5)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="worker processes of (b)")
    parser.add_argument("--only", choices=("single", "production"), help="run one topology only")
    parser.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    parser.add_argument("--redis-port", type=int, default=0, help="port of the throwaway redis-server")
    parser.add_argument("--workdir", type=Path, help="prepare here once and reuse it on later runs (kept)")
    args = parser.parse_args(argv)

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-load-"))
    try:
        started = time.perf_counter()
        plan_file = workdir / "plan.json"
        if args.workdir and plan_file.exists():
            plan = json.loads(plan_file.read_text())  # prepared by an earlier run with the same --workdir
        else:
            workdir.mkdir(parents=True, exist_ok=True)
            plan = prepare(workdir)
            plan_file.write_text(json.dumps(plan))
        print(
            f"seeded and collected static files in {time.perf_counter() - started:.0f} s: {len(plan['pages'])} pages,"
            f" {len(plan['external_ids'])} resources of one provider to PATCH; {workdir}"
        )
        print(
            "mix: "
            + ", ".join(f"{kind} {weight:.0%}" for kind, weight in MIX)
            + f"; {args.rate:g} req/s for {args.duration:g} s"
        )
        print(f"cpu cores: {os.cpu_count()}, load average: {load_average()} (the machine may be shared)")
        outcomes = {}
        port = args.port or free_port()
        database_snapshot(workdir)
        if args.only in (None, "single"):
            database_restore(workdir)
            with Server(workdir, topology="single", port=port) as server:
                result = drive(server, plan_file, rate=args.rate, duration=args.duration, warmup=args.warmup)
            outcomes["single"] = report("(a) make run's server: one daphne process, no Redis", result)
        if args.only in (None, "production"):
            database_restore(workdir)  # the same starting data as (a), not what (a)'s overload left behind
            with contextlib.ExitStack() as stack:
                redis_url = os.environ.get("REDIS_URL") or stack.enter_context(Redis(args.redis_port or None)).url
                server = stack.enter_context(
                    Server(workdir, topology="production", port=port, redis_url=redis_url, workers=args.workers)
                )
                result = drive(server, plan_file, rate=args.rate, duration=args.duration, warmup=args.warmup)
            outcomes["production"] = report(
                f"(b) production topology: deploy/serve.sh, {args.workers} uvicorn workers, REDIS_URL {redis_url}",
                result,
            )
        if "production" in outcomes:
            met = outcomes["production"]
            print(
                f"\ntarget on the production topology: {TARGET_RPS} req/s sustained, p95 <= {TARGET_P95_MS} ms,"
                " 0 errors:"
                f" {'met' if met and args.rate >= TARGET_RPS else 'NOT met'}"
                + ("" if args.rate >= TARGET_RPS else f" (this run offered {args.rate:g} req/s)")
            )
        print(f"load average after: {load_average()}")
        return 0
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
