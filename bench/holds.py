"""Benchmark of holds: buyers racing for the last cards, then mass expiry.

    python bench/holds.py [--buyers 200] [--cards 50] [--threads 200] [--expiring 10000]

For SQLite (always: a throwaway copy of the migrated template, bench/migrated.py) and PostgreSQL
(when DATABASE_URL is set: a throwaway database ``<name>_bench_holds`` next to it, migrated, dropped
afterwards), one child process each:

1. seeds one published resource reporting ``--cards`` card-hour units and ``--buyers`` buyers;
2. ``--buyers`` threads (``--threads`` at most at once, each with its own connection) wait on a
   barrier, then each places a hold for 1-3 cards (fixed seed) in its own transaction through
   ``orders.services.holds_place`` (what accepting a plan does); prints accepted/refused, p50/p95
   accept latency, and **oversold** = max(0, units of live holds − reported), counted from the hold
   rows (not from the counter it checks), plus whether the counter agrees with them;
3. creates ``--expiring`` holds on 100 resources that are already past their expiry (bulk, counters
   set to match), loads the selection index (database backend), then times
   ``orders.services.holds_expire`` and the lag from its last commit until a selection search shows
   every freed card.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import percentile
from migrated import migrated_copy, sqlite_env

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
EXPIRY_RESOURCES = 100


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
    import django

    django.setup()


def _seed(cards: int, resources: int, buyers: int):
    from decimal import Decimal

    from catalog.models import ComputeResource, ListingState, OnboardingState, Provider, Site
    from organizations.models import Organization, User
    from organizations.uscc import make_uscc

    organization = Organization.objects.create(
        name="基准测试算力有限公司",
        kind="enterprise",
        city_id="510100",
        province_id="510000",
        uscc=make_uscc(division="510100", body="MAHLD001"),
        registered_capital=100_000_000,
    )
    provider = Provider.objects.create(
        organization=organization, onboarding_state=OnboardingState.CERTIFIED, is_resource_provider=True
    )
    site = Site.objects.create(
        provider=provider, code="HOLDS", name="基准测试数据中心", city_id="510100", province_id="510000"
    )
    rows = ComputeResource.objects.bulk_create(
        ComputeResource(
            provider=provider,
            site=site,
            province_code="510000",
            city_code="510100",
            external_id=f"holds-{n:04d}",
            name=f"预留基准资源{n}",
            resource_class="intelligent",
            accelerator_vendor="NVIDIA",
            accelerator_model="NVIDIA A100 80GB (SXM4)",
            accelerators_per_node=8,
            node_count=8,
            price_yuan=Decimal("10.00"),
            available_units=cards if n == 0 else 1000,
            listing_state=ListingState.APPROVED,
        )
        for n in range(resources)
    )
    User.objects.bulk_create(User(username=f"buyer{n:04d}", email=f"buyer{n}@example.cn") for n in range(buyers))
    users = list(User.objects.filter(username__startswith="buyer").order_by("username"))
    return provider, rows, users


def run(args) -> None:
    """One database: the race, then the expiry (prints one JSON line)."""
    _django()
    from datetime import timedelta
    from decimal import Decimal

    from django.db import connection, connections, transaction
    from django.db.models import Sum
    from django.utils import timezone

    from orders.models import Capacity, Hold, HoldState
    from orders.services import HoldItem, holds_expire, holds_place
    from search.backends.database import DatabaseBackend
    from search.query import ComputeQuery

    provider, resources, users = _seed(args.cards, EXPIRY_RESOURCES + 1, args.buyers)
    contested = resources[0]
    rng = random.Random(7)
    wants = [rng.randint(1, 3) for _ in users]
    barrier = threading.Barrier(min(args.threads, len(users)))
    latencies, outcomes, errors = [], [], []
    lock = threading.Lock()

    def buyer(index: int) -> None:
        user = users[index]
        item = HoldItem(
            provider_id=provider.pk,
            resource_id=contested.pk,
            cards=wants[index],
            units=wants[index],
            unit_price_yuan=Decimal("10.00"),
            amount_yuan=Decimal("10.00") * wants[index],
        )
        try:
            connection.ensure_connection()  # as a server's persistent connection: not part of the latency
            if index < barrier.parties:
                barrier.wait(timeout=60)
            started = time.perf_counter()
            try:
                with transaction.atomic():
                    holds_place(reference=f"bench:{index}", buyer_user=user, hours=1, items=[item])
                ok = True
            except Exception as error:  # a refusal is a ValidationError; anything else is counted as an error
                ok = False
                if type(error).__name__ != "ValidationError":
                    with lock:
                        errors.append(repr(error))
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                outcomes.append(ok)
        finally:
            connections.close_all()

    def worker(indices) -> None:
        for index in indices:
            buyer(index)

    threads = [
        threading.Thread(target=worker, args=(range(start, len(users), args.threads),))
        for start in range(min(args.threads, len(users)))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    live = Hold.objects.filter(resource=contested, state=HoldState.HELD).aggregate(n=Sum("units"))["n"] or 0
    counter = Capacity.objects.get(resource=contested)
    result = {
        "vendor": connection.vendor,
        "buyers": len(users),
        "threads": min(args.threads, len(users)),
        "cards": args.cards,
        "accepted": sum(outcomes),
        "refused": len(outcomes) - sum(outcomes),
        "errors": errors[:3],
        "error_count": len(errors),
        "held_units": live,
        "oversold": max(0, live - args.cards),
        "counter_agrees": counter.held_units == live,
        "accept_p50_ms": round(percentile(latencies, 0.50), 1),
        "accept_p95_ms": round(percentile(latencies, 0.95), 1),
    }

    # --- mass expiry -----------------------------------------------------------------------------
    others = resources[1:]
    per = args.expiring // len(others)
    past = timezone.now() - timedelta(minutes=1)
    Hold.objects.bulk_create(
        (
            Hold(
                reference=f"expiry:{n}",
                buyer_user=users[n % len(users)],
                provider=provider,
                resource=resource,
                cards=1,
                units=1,
                hours=1,
                unit_price_yuan=Decimal("10.00"),
                amount_yuan=Decimal("10.00"),
                expires_at=past,
            )
            for n, resource in enumerate(r for r in others for _ in range(per))
        ),
        batch_size=2000,
    )
    Capacity.objects.bulk_create([Capacity(resource=r, held_units=per) for r in others], batch_size=500)
    backend = DatabaseBackend()
    query = ComputeQuery(q="预留基准资源", page_size=200)

    def freed() -> bool:
        hits = backend.search(query).results
        return len(hits) == len(resources) and all(
            hit["available_units"] == 1000 for hit in hits if hit["id"] != contested.pk
        )

    assert not freed()  # the index starts with the held figures
    started = time.perf_counter()
    expired = holds_expire()
    committed = time.perf_counter()
    while not freed():
        if time.perf_counter() - committed > 120:
            raise SystemExit("selection never showed the freed cards")
        time.sleep(0.005)
    shown = time.perf_counter()
    result.update(
        {
            "expired": expired,
            "expire_seconds": round(committed - started, 2),
            "selection_lag_ms": round((shown - committed) * 1000, 1),
            "left_held": Capacity.objects.filter(resource__in=others).aggregate(n=Sum("held_units"))["n"],
        }
    )
    print(json.dumps(result, ensure_ascii=False))


def _child(env: dict, args) -> dict:
    command = [PYTHON, __file__, "run", "--buyers", str(args.buyers), "--cards", str(args.cards)]
    command += ["--threads", str(args.threads), "--expiring", str(args.expiring)]
    completed = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise SystemExit(completed.stdout + completed.stderr)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _postgres(args) -> dict | None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return None
    base, _slash, name = url.rpartition("/")
    bench_name = f"{name.split('?')[0]}_bench_holds"
    admin = f"{base}/postgres"
    subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {bench_name}"], check=True)
    subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {bench_name}"], check=True)
    env = {**os.environ, "DATABASE_URL": f"{base}/{bench_name}", "DJANGO_SETTINGS_MODULE": "portal.settings.dev"}
    env.pop("REDIS_URL", None)
    env.pop("ELASTICSEARCH_URL", None)
    try:
        subprocess.run(
            [PYTHON, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True
        )
        return _child(env, args)
    finally:
        subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {bench_name} WITH (FORCE)"], check=False)


def _print(result: dict) -> None:
    print(f"== {result['vendor']}: {result['buyers']} buyers ({result['threads']} at once) for {result['cards']} cards")
    print(f"  oversold: {result['oversold']}  (held {result['held_units']} of {result['cards']};"
          f" counter agrees with the holds: {result['counter_agrees']})")  # fmt: skip
    print(f"  accepted {result['accepted']}, refused {result['refused']}, errors {result['error_count']}"
          f" {result['errors'] or ''}")  # fmt: skip
    print(f"  accept latency p50 {result['accept_p50_ms']} ms, p95 {result['accept_p95_ms']} ms")
    print(f"  {result['expired']} holds expired in {result['expire_seconds']} s (left held: {result['left_held']});"
          f" selection showed the freed cards {result['selection_lag_ms']} ms after the last commit")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", default="all", choices=["all", "run"])
    parser.add_argument("--buyers", type=int, default=200)
    parser.add_argument("--cards", type=int, default=50)
    parser.add_argument("--threads", type=int, default=200)
    parser.add_argument("--expiring", type=int, default=10_000)
    args = parser.parse_args()
    if args.command == "run":
        run(args)
        return
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-holds-") as directory:
        db_path = migrated_copy(Path(directory) / "holds.sqlite3")
        results.append(_child(sqlite_env(db_path), args))
    pg = _postgres(args)
    if pg is not None:
        results.append(pg)
    for result in results:
        _print(result)
    if any(result["oversold"] or result["error_count"] or not result["counter_agrees"] for result in results):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
