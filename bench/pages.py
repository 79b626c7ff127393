"""Load benchmark of the public portal pages: `make bench-pages`.

Builds a throwaway SQLite database (a migrated copy from bench/migrated.py, with the reference data
its migrations load; the demo catalogue, campaigns and portal pages), serves it with daphne
exactly as `make run` does (one process, DEBUG off,
``portal.asgi:application``), and drives four pages an anonymous visitor opens — the home page, a
notice, the catalogue listing and a resource page — from a small asyncio HTTP/1.1 keep-alive client
on loopback. Every request is a first visit (no cookies), so each response also makes a new CSRF
cookie. It prints req/s, p50/p95 and the server's CPU time per request per page, first with the
anonymous page cache off (PORTAL_PAGE_CACHE_SECONDS=0) as the baseline, then on (the shipped
configuration: portal.caching, and portal.cache_asgi in front of Django when portal/asgi.py
installs it). The CPU column depends less on what else the machine runs than req/s does.
``--redis`` starts a throwaway redis-server and serves with REDIS_URL: the shared cache a node
needs once other processes (management commands, a second server) change what pages show.

Why not locust: it brings gevent and a web UI, and its Python workers would take most of a 2-core
machine away from the server; this client is one asyncio loop using a few percent of a core.
"""

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from common import Redis, free_port, percentile
from migrated import migrated_copy

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SEEDERS = ["organizations.demo", "catalog.demo", "workflows.node_application.demo", "portal.demo"]
TARGET_RPS = 300
TARGET_P95_MS = 50


def _env(workdir: Path, *, cache_seconds: int) -> dict:
    """A throwaway SQLite node: the suite's DATABASE_URL / REDIS_URL / ELASTICSEARCH_URL must not leak in."""
    services = {"DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL"}
    inherited = {key: value for key, value in os.environ.items() if key not in services}
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
        "DEBUG": "false",
        "SQLITE_PATH": str(workdir / "bench.sqlite3"),
        "MEDIA_ROOT": str(workdir / "media"),
        "PRIVATE_MEDIA_ROOT": str(workdir / "private"),
        "PORTAL_PAGE_CACHE_SECONDS": str(cache_seconds),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONPATH": str(ROOT),
    }


SEED_SCRIPT = """
import importlib, django
django.setup()
from django.db import transaction
for name in SEEDERS:
    with transaction.atomic():
        importlib.import_module(name).seed()
from catalog.models import Identifier
from portal.models import NoticePage
identifier = Identifier.objects.filter(resource__listing_state="approved").order_by("pk").first()
notice = NoticePage.objects.live().order_by("pk").first()
print("RESOURCE", identifier.code)
print("NOTICE", notice.url)
"""


def prepare(workdir: Path, *, copy_of: Path | None = None) -> dict[str, str]:
    """Seed a freshly migrated database (or migrate a copy of a seeded one); return the pages to load."""
    env = _env(workdir, cache_seconds=0)
    manage = [PYTHON, str(ROOT / "manage.py")]
    seeders = SEEDERS
    if copy_of is not None:
        shutil.copyfile(copy_of, workdir / "bench.sqlite3")
        seeders = []
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0", "--skip-checks"], env=env, check=True, cwd=ROOT)
    else:
        migrated_copy(workdir / "bench.sqlite3")
    out = subprocess.run(
        [PYTHON, "-c", SEED_SCRIPT.replace("SEEDERS", repr(seeders))],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout
    resource = re.search(r"^RESOURCE (\S+)$", out, re.M).group(1)
    notice = re.search(r"^NOTICE (\S+)$", out, re.M).group(1)
    return {"home": "/", "notice": notice, "catalogue": "/catalog/", "resource": f"/catalog/r/{resource}/"}


class Server:
    def __init__(self, workdir: Path, *, cache_seconds: int, redis_url: str = ""):
        self.port = free_port()
        self.env = _env(workdir, cache_seconds=cache_seconds)
        if redis_url:
            self.env["REDIS_URL"] = redis_url  # shared cache and channel layer, as several processes need
        self.process = None

    def __enter__(self):
        daphne = str(Path(PYTHON).with_name("daphne"))
        self.process = subprocess.Popen(
            [daphne, "-b", "127.0.0.1", "-p", str(self.port), "portal.asgi:application"],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                    return self
            except OSError:
                time.sleep(0.3)
        self.__exit__()
        raise RuntimeError("daphne did not start")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()


async def _connection(port: int, path: str, stop_at: float, latencies: list[float], errors: list[str]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Language: zh-CN\r\n\r\n".encode()
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            writer.write(request)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
            if length:
                await reader.readexactly(int(length.group(1)))
            else:  # chunked
                while True:
                    size = int((await reader.readuntil(b"\r\n")).strip(), 16)
                    await reader.readexactly(size + 2)
                    if size == 0:
                        break
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors.append(str(status))
            if re.search(rb"(?im)^connection:\s*close", head):
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
    finally:
        writer.close()


async def load(port: int, path: str, *, seconds: float, concurrency: int) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    started = time.perf_counter()
    stop_at = started + seconds
    await asyncio.gather(*(_connection(port, path, stop_at, latencies, errors) for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000 if latencies else 0.0,
        "p95": percentile(latencies, 0.95) * 1000 if latencies else 0.0,
        "errors": len(errors),
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc); NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(
    workdir: Path, pages: dict[str, str], *, cache_seconds: int, seconds: float, concurrency: int, redis_url: str = ""
) -> dict:
    results = {}
    with Server(workdir, cache_seconds=cache_seconds, redis_url=redis_url) as server:
        pid = server.process.pid
        for name, path in pages.items():
            asyncio.run(load(server.port, path, seconds=min(2.0, seconds), concurrency=2))  # warm up
            cpu_before = cpu_seconds(pid)
            results[name] = asyncio.run(load(server.port, path, seconds=seconds, concurrency=concurrency))
            requests = results[name]["requests"]
            results[name]["cpu_ms"] = (cpu_seconds(pid) - cpu_before) * 1000 / requests if requests else 0.0
    return results


def report(title: str, results: dict, baseline: dict | None = None) -> bool:
    print(f"\n{title}")
    print(
        f"{'page':<10} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}"
        f" {'cpu ms/req':>11}  {'vs baseline':>11}"
    )
    ok = True
    for name, row in results.items():
        ratio = f"{row['rps'] / baseline[name]['rps']:.1f}x" if baseline and baseline[name]["rps"] else ""
        print(
            f"{name:<10} {row['requests']:>9} {row['rps']:>8.0f} {row['p50']:>8.1f} {row['p95']:>8.1f}"
            f" {row['errors']:>7} {row['cpu_ms']:>11.2f}  {ratio:>11}"
        )
        ok = ok and row["errors"] == 0 and row["rps"] >= TARGET_RPS and row["p95"] <= TARGET_P95_MS
    return ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="load per page (default 10 s)")
    parser.add_argument("--concurrency", type=int, default=8, help="keep-alive connections (default 8)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the run with the page cache off")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database directory")
    parser.add_argument("--copy-of", type=Path, help="use a copy of this seeded SQLite database instead of seeding")
    parser.add_argument(
        "--redis", action="store_true", help="start a throwaway redis-server and serve with REDIS_URL (shared cache)"
    )
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    try:
        started = time.perf_counter()
        pages = prepare(workdir, copy_of=args.copy_of)
        print(f"seeded a throwaway database in {time.perf_counter() - started:.0f} s: {workdir}")
        print("pages: " + ", ".join(f"{name} {path}" for name, path in pages.items()))
        print(f"cpu cores: {os.cpu_count()}, load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        with contextlib.ExitStack() as stack:
            redis_url = stack.enter_context(Redis()).url if args.redis else ""
            cache = "Redis (REDIS_URL, a redis-server this run started)" if redis_url else "per-process memory"
            timing = {"seconds": args.seconds, "concurrency": args.concurrency, "redis_url": redis_url}
            baseline = None
            if not args.no_baseline:
                baseline = run(workdir, pages, cache_seconds=0, **{**timing, "seconds": args.seconds / 2})
            cached = run(workdir, pages, cache_seconds=300, **timing)
        if baseline:
            report("baseline: anonymous page cache off (PORTAL_PAGE_CACHE_SECONDS=0)", baseline)
        ok = report(f"shipped: anonymous page cache on (daphne, one process; cache: {cache})", cached, baseline)
        print(f"\ntarget: >= {TARGET_RPS} req/s and p95 <= {TARGET_P95_MS} ms per page: {'met' if ok else 'NOT met'}")
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
