"""Load benchmark of the public portal pages, page caches side by side: `make bench-pages`.

Builds a throwaway SQLite database (a migrated copy from bench/migrated.py, with the reference data
its migrations load; the demo catalogue, campaigns and portal pages), serves it with daphne
exactly as `make run` does (one process, DEBUG off, ``portal.asgi:application``), and drives four
pages an anonymous visitor opens — the home page, a notice, the catalogue listing and a resource
page — from a small asyncio HTTP/1.1 keep-alive client on loopback. Every request is a first visit
(no cookies), so each response also makes a new CSRF cookie. The same run, pages and client measure
each configuration in turn:

(a) no page cache (PORTAL_PAGE_CACHE_SECONDS=0), the baseline;
(b) the home-made layer, the shipped configuration (portal.caching, portal.cache_asgi);
(c) Django's per-site cache middleware (bench/django_cache_settings.py), the home-made layer off;
(d) wagtail-cache: skipped, with the reason (its releases require Wagtail < 8);
(e) nginx ``proxy_cache`` in front of the node (bench/page_proxy.py), the home-made layer off.

For each: req/s, p50/p95 and the server's CPU time per request per page (daphne, plus nginx for
(e); the CPU column depends less on what else the machine runs than req/s does), whether a repeated
visit was served from the cache, and the correctness checks of bench/page_checks.py (a first-time
visitor's CSRF cookie and token work, CSP nonces match and are fresh, a price changed by another
process shows within ``--fresh-within`` seconds). The summary keeps the home-made layer only if it
is correct and at least 2x the best correct alternative (geometric mean of the pages' req/s).
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
from dataclasses import dataclass
from pathlib import Path

from common import Redis, free_port, percentile
from migrated import migrated_copy
from page_checks import cache_hits, check_csrf, check_fresh, check_nonce
from page_proxy import Nginx, nginx_binary

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SEEDERS = ["organizations.demo", "catalog.demo", "workflows.node_application.demo", "portal.demo"]
TARGET_RPS = 300
TARGET_P95_MS = 50


def _env(workdir: Path, *, cache_seconds: int, settings: str = "portal.settings.dev") -> dict:
    """A throwaway SQLite node: the suite's DATABASE_URL / REDIS_URL / ELASTICSEARCH_URL must not leak in."""
    services = {"DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL"}
    inherited = {key: value for key, value in os.environ.items() if key not in services}
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": settings,
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
print("RESOURCE_ID", identifier.resource_id)
print("NOTICE", notice.url)
"""


def prepare(workdir: Path, *, copy_of: Path | None = None) -> tuple[dict[str, str], int]:
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
    resource_id = int(re.search(r"^RESOURCE_ID (\d+)$", out, re.M).group(1))
    pages = {"home": "/", "notice": notice, "catalogue": "/catalog/", "resource": f"/catalog/r/{resource}/"}
    return pages, resource_id


class Server:
    def __init__(
        self, workdir: Path, *, cache_seconds: int, redis_url: str = "", settings: str = "portal.settings.dev", port=0
    ):
        self.port = port or free_port()
        self.env = _env(workdir, cache_seconds=cache_seconds, settings=settings)
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


def server_cpu(pids: list[int]) -> float:
    return sum(cpu_seconds(pid) for pid in pids)


@dataclass(frozen=True)
class Config:
    key: str
    title: str
    cache_seconds: int = 0
    settings: str = "portal.settings.dev"
    proxy: bool = False


CONFIGS = (
    Config("none", "(a) no page cache (PORTAL_PAGE_CACHE_SECONDS=0)"),
    Config("home-made", "(b) home-made layer, the shipped configuration (portal.caching + portal.cache_asgi)", 300),
    Config(
        "django", "(c) Django's per-site cache middleware, home-made layer off", settings="bench.django_cache_settings"
    ),
    Config("nginx", "(e) nginx proxy_cache in front of the node (home-made layer off)", proxy=True),
)
WAGTAIL_CACHE_SKIPPED = (
    "(d) wagtail-cache: skipped: its newest release (3.0.0, 2025-07) declares Requires-Dist wagtail<8.0, "
    "so it cannot be installed pinned beside Wagtail 8. By its source (wagtailcache/cache.py) it skips, as "
    "(c) does, a response that sets a cookie for a cookie-less request, so first visits would not be cached"
)


def run_config(workdir: Path, pages: dict, config: Config, *, args, redis_url: str, ports: list, change: dict) -> dict:
    results = {"pages": {}, "checks": {}}
    nginx = None
    if config.proxy:
        binary, why = nginx_binary()
        if binary is None:
            return {"skipped": why}
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(
            Server(
                workdir,
                cache_seconds=config.cache_seconds,
                redis_url=redis_url,
                settings=config.settings,
                port=ports[0],
            )
        )
        port, pids = server.port, [server.process.pid]
        if config.proxy:
            nginx = stack.enter_context(Nginx(binary, workdir, port=ports[1] or free_port(), upstream=server.port))
            port, pids = nginx.port, [*pids, nginx.process.pid]
        seconds = args.seconds / 2 if config.key == "none" else args.seconds
        for name, path in pages.items():
            asyncio.run(load(port, path, seconds=min(2.0, seconds), concurrency=2))  # warm up
            cpu_before = server_cpu(pids)
            row = asyncio.run(load(port, path, seconds=seconds, concurrency=args.concurrency))
            row["cpu_ms"] = (server_cpu(pids) - cpu_before) * 1000 / row["requests"] if row["requests"] else 0.0
            results["pages"][name] = row
        results["hit"] = cache_hits(port)
        csrf_ok, csrf_seen, cookie = check_csrf(port)
        results["checks"]["csrf"] = (csrf_ok, csrf_seen)
        results["checks"]["nonce"] = check_nonce(port, ("/", pages["resource"]))
        results["checks"]["fresh"] = check_fresh(
            port, pages, env=server.env, cookie=cookie, within=args.fresh_within, **change
        )
    return results


def report(title: str, results: dict, baseline: dict | None = None) -> None:
    print(f"\n{title}")
    if "skipped" in results:
        print(f"  skipped: {results['skipped']}")
        return
    print(
        f"{'page':<10} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}"
        f" {'cpu ms/req':>11}  {'vs none':>8}"
    )
    for name, row in results["pages"].items():
        base = baseline["pages"][name]["rps"] if baseline and "pages" in baseline else 0
        ratio = f"{row['rps'] / base:.1f}x" if base else ""
        print(
            f"{name:<10} {row['requests']:>9} {row['rps']:>8.0f} {row['p50']:>8.1f} {row['p95']:>8.1f}"
            f" {row['errors']:>7} {row['cpu_ms']:>11.2f}  {ratio:>8}"
        )
    print(f"  second first visit of /: {results['hit']}")
    for check, (ok, seen) in results["checks"].items():
        print(f"  {check:<6} {'ok  ' if ok else 'FAIL'} {seen}")


def correct(results: dict) -> bool:
    return "pages" in results and all(ok for ok, _ in results["checks"].values())


def speed(results: dict) -> float:
    """Geometric mean of the pages' req/s."""
    rates = [row["rps"] for row in results["pages"].values()]
    return statistics.geometric_mean(rates) if rates and min(rates) > 0 else 0.0


def decide(outcomes: dict) -> None:
    """Keep the home-made layer only if it is correct and >= 2x the best correct alternative."""
    print("\nsummary (geometric mean of the four pages' req/s; correct = all three checks pass)")
    for key, results in outcomes.items():
        if "pages" in results:
            print(f"  {key:<10} {speed(results):>8.0f} req/s  {'correct' if correct(results) else 'NOT correct'}")
        else:
            print(f"  {key:<10} skipped")
    home = outcomes.get("home-made")
    others = {key: results for key, results in outcomes.items() if key != "home-made" and correct(results)}
    if not home or "pages" not in home or not others:
        print("decision: needs the home-made layer and at least one correct alternative in the same run")
        return
    best_key = max(others, key=lambda key: speed(others[key]))
    ratio = speed(home) / speed(others[best_key]) if speed(others[best_key]) else float("inf")
    keep = correct(home) and ratio >= 2
    print(
        f"decision: home-made is {ratio:.1f}x the best correct alternative ({best_key}): "
        f"{'KEEP it (>= 2x and correct)' if keep else 'REPLACE it (< 2x or not correct)'}"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="load per page (default 10 s)")
    parser.add_argument("--concurrency", type=int, default=8, help="keep-alive connections (default 8)")
    parser.add_argument(
        "--configs", default=",".join(config.key for config in CONFIGS), help="which configurations (default all)"
    )
    parser.add_argument("--no-baseline", action="store_true", help="skip the run with no page cache")
    parser.add_argument("--fresh-within", type=float, default=10.0, help="seconds a change may take to show")
    parser.add_argument("--port", type=int, default=0, help="serve on this port (nginx on the next); default free")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database directory")
    parser.add_argument("--copy-of", type=Path, help="use a copy of this seeded SQLite database instead of seeding")
    parser.add_argument(
        "--redis", action="store_true", help="start a throwaway redis-server and serve with REDIS_URL (shared cache)"
    )
    args = parser.parse_args(argv)
    wanted = set(args.configs.split(",")) - ({"none"} if args.no_baseline else set())
    ports = [args.port, args.port + 1 if args.port else 0]

    workdir = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    try:
        started = time.perf_counter()
        pages, resource_id = prepare(workdir, copy_of=args.copy_of)
        print(f"seeded a throwaway database in {time.perf_counter() - started:.0f} s: {workdir}")
        print("pages: " + ", ".join(f"{name} {path}" for name, path in pages.items()))
        print(f"cpu cores: {os.cpu_count()}, load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        outcomes = {}
        with contextlib.ExitStack() as stack:
            redis_url = stack.enter_context(Redis()).url if args.redis else ""
            cache = "Redis (REDIS_URL, a redis-server this run started)" if redis_url else "per-process memory"
            for number, config in enumerate(CONFIGS):
                if config.key in wanted:
                    price = 8000 + int(time.time()) % 990 + number  # a price no earlier run left behind
                    change = {"resource_id": resource_id, "price": f"{price}.37"}
                    outcomes[config.key] = run_config(
                        workdir, pages, config, args=args, redis_url=redis_url, ports=ports, change=change
                    )
        print(f"\ndaphne, one process; Django caches: {cache}; {args.concurrency} connections, first visits only")
        for config in CONFIGS:
            if config.key in outcomes:
                report(config.title, outcomes[config.key], outcomes.get("none"))
                if config.key == "django":
                    print(f"\n{WAGTAIL_CACHE_SKIPPED}")
        home = outcomes.get("home-made", {}).get("pages", {})
        ok = bool(home) and all(
            row["errors"] == 0 and row["rps"] >= TARGET_RPS and row["p95"] <= TARGET_P95_MS for row in home.values()
        )
        met = "met" if ok else "NOT met"
        print(f"\ntarget (home-made): >= {TARGET_RPS} req/s and p95 <= {TARGET_P95_MS} ms per page: {met}")
        decide(outcomes)
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
