"""Benchmark of live updates: N websocket clients on daphne, M status changes from another process.

    python bench/live.py [--clients 1000] [--changes 200] [--resources 200] [--keys 20] [--rate 20]

What it does, all on loopback with a throwaway SQLite database (no service needed):

1. copies a freshly migrated SQLite file (bench/migrated.py) and seeds ``--resources`` published compute resources;
2. starts daphne (``portal.asgi:application``, in-memory channel layer unless ``--redis``) as a
   subprocess on a free port;
3. opens ``--clients`` websocket clients (the ``websockets`` library), each subscribed to ``--keys``
   random resources, as the selection page does;
4. runs a publisher in a separate process that makes ``--changes`` status changes through the
   service layer (``catalog.services.record_update_status``) at ``--rate`` per second, noting the
   commit time of each (an ``on_commit`` hook registered first, so it runs right after COMMIT);
5. prints the commit -> receipt latency at the clients (p50 / p95 / max over every expected
   delivery), lost deliveries (expected (client, resource, version) never received) and the
   server's peak resident memory (VmHWM of the daphne process).

Targets (issue 5): p95 <= 100 ms, 0 lost, server < 1 GB. Clients, publisher and server share the
machine, so client-side CPU is part of the latency measured.
"""

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from common import free_port, peak_rss_mb, percentile
from migrated import migrated_copy

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


# --- helpers running inside Django (subcommands of this script) ------------------------------------


def _django(db_path: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.dev"
    os.environ["SQLITE_PATH"] = db_path
    import django

    django.setup()


def seed(db_path: str, resources: int) -> None:
    """Published compute resources of one bench provider (bulk, no hooks: nobody listens yet)."""
    _django(db_path)
    from decimal import Decimal

    from catalog.models import ComputeResource, ListingState, OnboardingState, Provider, Site
    from organizations.models import Organization
    from organizations.uscc import make_uscc

    organization = Organization.objects.create(
        name="基准测试算力有限公司",
        kind="enterprise",
        city_id="510100",
        province_id="510000",
        uscc=make_uscc(division="510100", body="MABENCH1"),
        registered_capital=100_000_000,
    )
    provider = Provider.objects.create(
        organization=organization, onboarding_state=OnboardingState.CERTIFIED, is_resource_provider=True
    )
    site = Site.objects.create(
        provider=provider, code="BENCH", name="基准测试数据中心", city_id="510100", province_id="510000"
    )
    ComputeResource.objects.bulk_create(
        [
            ComputeResource(
                provider=provider,
                site=site,
                province_code="510000",
                city_code="510100",
                external_id=f"bench-{n:05d}",
                name=f"基准资源{n}",
                resource_class="intelligent",
                accelerator_vendor="NVIDIA",
                accelerator_model="NVIDIA A100 80GB (SXM4)",
                accelerators_per_node=8,
                node_count=4,
                price_yuan=Decimal("10.00"),
                available_units=32,
                listing_state=ListingState.APPROVED,
            )
            for n in range(resources)
        ],
        batch_size=500,
    )
    print(json.dumps(list(ComputeResource.objects.order_by("pk").values_list("pk", flat=True))))


class _Stamps(list):
    def append_time(self) -> None:
        self.append(time.time())


def publish(db_path: str, changes: int, rate: float, out: str, seed_value: int, warmup: int = 3) -> None:
    """Status changes through the service layer; one JSON line per change with its commit time."""
    _django(db_path)
    from django.db import transaction

    from catalog.models import ComputeResource
    from catalog.services import record_update_status

    rng = random.Random(seed_value)
    ids = list(ComputeResource.objects.order_by("pk").values_list("pk", flat=True))
    interval = 1.0 / rate if rate > 0 else 0.0
    started = time.perf_counter()
    with open(out, "w") as stream:
        for n in range(-warmup, changes):
            if n == 0:
                time.sleep(1.0)  # let the warm-up deliveries settle; measured changes start now
                started = time.perf_counter()
            resource = ComputeResource.objects.get(pk=rng.choice(ids))
            committed = _Stamps()
            with transaction.atomic():
                # the first hook registered: it runs right after COMMIT, before the service's own
                transaction.on_commit(committed.append_time)
                change = record_update_status(
                    record=resource, changes={"available_units": rng.randrange(0, 10_000)}, source="import"
                )
            if change.changed:
                line = {"id": resource.pk, "version": change.record.version, "t": committed[0], "warmup": n < 0}
                stream.write(json.dumps(line) + "\n")
                stream.flush()
            delay = started + (max(n, -1) + 1) * interval - time.perf_counter()
            if delay > 0:
                time.sleep(delay)


# --- the orchestrator -------------------------------------------------------------------------------


async def run_clients(args, port: int, ids: list[int], env: dict, db_path: str, workdir: Path) -> dict:
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidHandshake

    rng = random.Random(args.seed)
    url = f"ws://127.0.0.1:{port}/ws/live/"
    origin = f"http://127.0.0.1:{port}"
    subscriptions = [sorted(rng.sample(ids, min(args.keys, len(ids)))) for _ in range(args.clients)]
    received: dict[tuple[int, int, int], float] = {}  # (client, resource, version) -> receipt time
    sockets = []
    ready = asyncio.Event()
    subscribed = 0
    retries = [0]

    async def client(index: int, keys: list[int]) -> None:
        nonlocal subscribed
        for attempt in range(8):  # a page retries too (live.js backs off); count what it took
            try:
                websocket = await connect(url, origin=origin, open_timeout=60, ping_interval=None, max_queue=None)
                break
            except (OSError, TimeoutError, InvalidHandshake):
                retries[0] += 1
                await asyncio.sleep(0.5 * 2**attempt)
        else:
            raise SystemExit(f"client {index} could not connect")
        sockets.append(websocket)
        await websocket.send(json.dumps({"subscribe": [f"resource:{pk}" for pk in keys], "since": None}))
        async for raw in websocket:
            now = time.time()
            message = json.loads(raw)
            if message["type"] == "subscribed":
                subscribed += 1
                if subscribed == args.clients:
                    ready.set()
            elif message["type"] == "snapshot":
                record = message["record"]
                received[(index, record["id"], record["version"])] = now

    started = time.perf_counter()
    tasks = []
    for index, keys in enumerate(subscriptions):
        tasks.append(asyncio.create_task(client(index, keys)))
        if index % 25 == 24:
            await asyncio.sleep(0.1)  # a steady ramp (250 pages opening per second)
    await asyncio.wait_for(ready.wait(), timeout=300)
    connect_seconds = time.perf_counter() - started

    out = workdir / "changes.jsonl"
    publisher = subprocess.Popen(
        [
            PYTHON,
            __file__,
            "publish",
            "--db",
            db_path,
            "--changes",
            str(args.changes),
            "--rate",
            str(args.rate),
            "--out",
            str(out),
            "--seed",
            str(args.seed),
            "--warmup",
            str(args.warmup),
        ],
        env=env,
    )
    while publisher.poll() is None:
        await asyncio.sleep(0.1)
    if publisher.returncode:
        raise SystemExit(f"publisher failed with {publisher.returncode}")
    changes = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    changes = [change for change in changes if not change["warmup"]]  # first uses of each code path
    subscribers: dict[int, list[int]] = {}
    for index, keys in enumerate(subscriptions):
        for pk in keys:
            subscribers.setdefault(pk, []).append(index)
    expected = [(index, change) for change in changes for index in subscribers.get(change["id"], [])]
    deadline = time.time() + args.grace
    while time.time() < deadline and sum((i, c["id"], c["version"]) in received for i, c in expected) < len(expected):
        await asyncio.sleep(0.2)
    latencies = [
        (received[(i, c["id"], c["version"])] - c["t"]) * 1000
        for i, c in expected
        if (i, c["id"], c["version"]) in received
    ]
    for websocket in sockets:
        await websocket.close()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "changes": len(changes),
        "expected": len(expected),
        "received": len(latencies),
        "lost": len(expected) - len(latencies),
        "latencies": latencies,
        "connect_seconds": connect_seconds,
        "connect_retries": retries[0],
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--resources", type=int, default=200)
    parser.add_argument("--keys", type=int, default=20, help="resources each client subscribes to (a page of results)")
    parser.add_argument("--rate", type=float, default=20.0, help="changes per second")
    parser.add_argument("--grace", type=float, default=10.0, help="seconds to wait for late deliveries")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--warmup", type=int, default=3, help="changes made first and not measured")
    parser.add_argument("--redis", action="store_true", help="use REDIS_URL (channels_redis) instead of in-memory")
    seeder = sub.add_parser("seed")
    seeder.add_argument("--db", required=True)
    seeder.add_argument("--resources", type=int, required=True)
    publisher = sub.add_parser("publish")
    publisher.add_argument("--db", required=True)
    publisher.add_argument("--changes", type=int, required=True)
    publisher.add_argument("--rate", type=float, required=True)
    publisher.add_argument("--out", required=True)
    publisher.add_argument("--seed", type=int, required=True)
    publisher.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args(argv)
    if args.command == "seed":
        seed(args.db, args.resources)
        return 0
    if args.command == "publish":
        publish(args.db, args.changes, args.rate, args.out, args.seed, args.warmup)
        return 0

    workdir = Path(tempfile.mkdtemp(prefix="bench-live-"))
    db_path = str(workdir / "db.sqlite3")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "ELASTICSEARCH_URL"}}
    if not args.redis:
        env.pop("REDIS_URL", None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
            "SQLITE_PATH": db_path,
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    server = None
    try:
        started = time.perf_counter()
        migrated_copy(db_path)
        seeded = subprocess.run(
            [PYTHON, __file__, "seed", "--db", db_path, "--resources", str(args.resources)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        ids = json.loads(seeded.stdout.strip().splitlines()[-1])
        setup_seconds = time.perf_counter() - started
        port = free_port()
        server = subprocess.Popen(
            [
                str(Path(PYTHON).parent / "daphne"),
                *("-b", "127.0.0.1", "-p", str(port), "--websocket_connect_timeout", "60"),
                "portal.asgi:application",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(workdir / "daphne.log", "w"),  # noqa: SIM115 (closed with the process)
        )
        for _ in range(600):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                if server.poll() is not None:
                    raise SystemExit("daphne exited: " + (workdir / "daphne.log").read_text()[-2000:]) from None
                time.sleep(0.2)
        rss_idle = peak_rss_mb(server.pid)
        result = asyncio.run(run_clients(args, port, ids, env, db_path, workdir))
        rss_peak = peak_rss_mb(server.pid)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(workdir, ignore_errors=True)

    latencies = result["latencies"]
    layer = "channels_redis" if args.redis else "in-memory"
    print(f"bench-live: daphne on loopback, {layer} channel layer, SQLite change feed, poll 25 ms (LIVE_POLL_SECONDS)")
    print(f"machine: {os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"clients {args.clients} x {args.keys} subscriptions over {args.resources} resources; "
        f"{result['changes']} changes at {args.rate:g}/s (setup {setup_seconds:.1f} s, "
        f"all clients subscribed in {result['connect_seconds']:.1f} s, {result['connect_retries']} connect retries)"
    )
    print(f"deliveries expected {result['expected']}, received {result['received']}, lost {result['lost']}")
    if latencies:
        print(
            "commit -> receipt latency ms: "
            f"p50 {percentile(latencies, 0.50):.1f}  p95 {percentile(latencies, 0.95):.1f}  "
            f"max {max(latencies):.1f}  mean {statistics.fmean(latencies):.1f}"
        )
    print(f"server peak RSS: {rss_peak:.0f} MB (after start-up {rss_idle:.0f} MB)")
    ok = result["lost"] == 0 and latencies and percentile(latencies, 0.95) <= 100 and rss_peak < 1024
    print("targets (p95 <= 100 ms, 0 lost, < 1 GB): " + ("met" if ok else "NOT met"))
    return 0 if result["lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
