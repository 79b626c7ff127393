"""make bench-search: compute selection on 100,000 resources — database backend vs the naive ORM baseline.

Generates ``--size`` resources (and a line set) into a throwaway database (a temporary SQLite file;
also a throwaway PostgreSQL database when DATABASE_URL is set), runs a fixed, seeded mix of
realistic queries with facets through the database backend and through the naive ORM baseline
(filter + COUNT + one GROUP BY per facet), checks that both return the same hits and counts, and
prints p50/p95/p99 latency, queries/s, peak memory and the ratio.

    .venv/bin/python bench/search.py [--size 100000] [--queries 1000] [--baseline-queries 1000]
    DATABASE_URL=... make bench-search SIZE=1000000 BASELINE_QUERIES=30 ARGS="--only postgres"
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

from common import percentile

ROOT = Path(__file__).resolve().parent.parent
SEED = 20260322
DESCRIPTIONS = ("", "支持按需计费与包月", "InfiniBand 高速互联，适合大模型训练", "低时延边缘推理")


# --- data ---------------------------------------------------------------------------------------


CHUNK = 20_000


def generate(size: int, rng: random.Random) -> dict:
    """Bulk-create providers, sites, ``size`` resources with identifiers, and lines."""
    from django.conf import settings
    from django.contrib.auth.models import Group

    from catalog.identifiers import format_identifier
    from catalog.models import (
        AcceleratorModel,
        ComputeResource,
        Identifier,
        NetworkLine,
        Provider,
        Site,
    )
    from catalog.reference_data import load_accelerators
    from organizations.models import Division, IndustryCategory, Organization
    from organizations.reference_data import load_all
    from organizations.uscc import ALPHABET, make_uscc

    if not Division.objects.exists():  # tables made without migrations: load the reference data
        load_all(Division=Division, IndustryCategory=IndustryCategory, Group=Group)
    if not AcceleratorModel.objects.exists():
        load_accelerators(AcceleratorModel)
    provinces = list(Division.objects.filter(level="province").order_by("code"))
    cities = list(Division.objects.filter(level="city").values_list("code", flat=True))
    have = {code[:2] for code in cities}
    extra = [
        Division(
            code=p.code[:2] + "0100", name_zh=f"{p.name_zh}中心城市", name_en=p.code, level="city", parent_id=p.code
        )
        for p in provinces
        if p.code[:2] not in have
    ]
    Division.objects.bulk_create(extra, ignore_conflicts=True)
    cities = sorted(Division.objects.filter(level="city").values_list("code", flat=True))

    def body(n: int) -> str:
        digits = []
        for _ in range(6):
            n, remainder = divmod(n, len(ALPHABET))
            digits.append(ALPHABET[remainder])
        return "MB" + "".join(reversed(digits))

    n_providers = max(5, min(300, size // 300))
    organizations = Organization.objects.bulk_create(
        Organization(
            name=f"基准算力服务商{i}有限公司",
            kind="enterprise",
            city_id=(city := rng.choice(cities)),
            province_id=city[:2] + "0000",
            uscc=make_uscc(division=city, body=body(i)),
            registered_capital=100_000_000,
        )
        for i in range(n_providers)
    )
    providers = Provider.objects.bulk_create(
        Provider(organization=org, onboarding_state="certified", is_resource_provider=True, is_line_provider=True)
        for org in organizations
    )
    n_sites = max(10, min(2000, size // 60))
    sites = Site.objects.bulk_create(
        Site(
            provider=rng.choice(providers),
            code=f"BS-{i:05d}",
            name=f"基准数据中心{i}",
            city_id=(city := rng.choice(cities)),
            province_id=city[:2] + "0000",
        )
        for i in range(n_sites)
    )
    accelerators = list(AcceleratorModel.objects.all())
    classes = ["intelligent"] * 55 + ["general"] * 25 + ["supercomputing"] * 10 + ["edge"] * 10
    architectures = ["x86"] * 70 + ["arm"] * 15 + ["c86"] * 10 + ["loongarch"] * 5
    resources = []
    for i in range(size):
        site = rng.choice(sites)
        resource_class = rng.choice(classes)
        nodes = rng.choice((1, 2, 4, 8, 16, 32, 64))
        fields = {}
        if resource_class == "general":
            fields.update(billing_unit="vcpu_hour", accelerators_per_node=0, vcpus_per_node=rng.choice((32, 64, 128)))
            price = Decimal(rng.randrange(5, 80)) / 100
            units = nodes * fields["vcpus_per_node"]
        else:
            accelerator = rng.choice(accelerators)
            per_node = rng.choice((1, 2, 4, 8)) if resource_class == "edge" else 8
            fields.update(
                accelerator=accelerator,
                accelerator_vendor=accelerator.vendor,
                accelerator_model=accelerator.name,
                accelerators_per_node=per_node,
                accelerator_memory_gb=accelerator.memory_gb,
                fp16_tflops_per_card=accelerator.fp16_tflops,
                fp32_tflops_per_card=accelerator.fp32_tflops,
                fp64_tflops_per_card=accelerator.fp64_tflops,
            )
            base = float(accelerator.fp16_tflops or 100) / 40 + 2
            if resource_class == "supercomputing":
                fields["billing_unit"] = "node_hour"
                price = Decimal(f"{base * per_node * rng.uniform(0.7, 1.4):.2f}")
                units = nodes
            else:
                fields["billing_unit"] = "card_hour"
                price = Decimal(f"{base * rng.uniform(0.6, 1.6):.2f}")
                units = nodes * per_node
        roll = rng.random()
        resources.append(
            ComputeResource(
                provider_id=site.provider_id,
                site=site,
                province_code=site.province_id,
                city_code=site.city_id,
                external_id=f"BR-{i:07d}",
                name=f"{fields.get('accelerator_model') or '通用计算'}集群{i}",
                description=rng.choice(
                    ("", "支持按需计费与包月", "InfiniBand 高速互联，适合大模型训练", "低时延边缘推理")
                ),
                resource_class=resource_class,
                node_count=nodes,
                cpu_architecture=rng.choice(architectures),
                memory_gb_per_node=rng.choice((256, 512, 1024, 2048)),
                price_yuan=price,
                available_units=rng.randrange(0, units + 1),
                state="online" if roll < 0.85 else ("maintenance" if roll < 0.95 else "offline"),
                listing_state=rng.choices(("approved", "pending", "delisted"), (90, 6, 4))[0],
                certifications=rng.choices(([], ["等保三级"], ["等保三级", "ISO 27001"]), (50, 40, 10))[0],
                **fields,
            )
        )
        if len(resources) == CHUNK:  # a million model instances would not fit in memory at once
            ComputeResource.objects.bulk_create(resources, batch_size=2000)
            resources.clear()
    ComputeResource.objects.bulk_create(resources, batch_size=2000)
    del resources
    class_codes = {"general": "G", "intelligent": "A", "supercomputing": "H", "edge": "E"}
    prefix = settings.NODE_IDENTIFIER_PREFIX
    serials = dict.fromkeys(class_codes.values(), 0)
    identifiers = []
    rows = ComputeResource.objects.filter(listing_state="approved").order_by("pk").values_list("pk", "resource_class")
    for pk, resource_class in list(rows):
        if rng.random() < 0.03:
            continue  # approved but no identifier yet
        code = class_codes[resource_class]
        serials[code] += 1
        identifiers.append(
            Identifier(
                code=format_identifier(prefix=prefix, class_code=code, serial=serials[code]),
                prefix=prefix,
                class_code=code,
                serial=serials[code],
                state=rng.choices(("issued", "filed", "active", "suspended", "revoked"), (10, 20, 67, 2, 1))[0],
                resource_id=pk,
            )
        )
        if len(identifiers) == CHUNK:
            Identifier.objects.bulk_create(identifiers, batch_size=2000)
            identifiers.clear()
    Identifier.objects.bulk_create(identifiers, batch_size=2000)
    lines = []
    user_cities = rng.sample(cities, min(30, len(cities)))
    for city in user_cities:
        for j, site in enumerate(rng.sample(sites, min(len(sites), 120))):
            lines.append(
                NetworkLine(
                    provider=rng.choice(providers),
                    external_id=f"BL-{city}-{j:04d}",
                    name=f"{city} 专线 {j}",
                    kind=rng.choice(("dedicated_line", "cloud_private_network")),
                    from_city_id=city,
                    to_site=site,
                    bandwidth_mbps=rng.choice((100, 500, 1000, 10000)),
                    latency_ms=Decimal(f"{rng.uniform(0.5, 60):.2f}"),
                    price_yuan_per_month=Decimal(rng.randrange(2000, 60000)),
                    listing_state="approved",
                    state="online",
                )
            )
    NetworkLine.objects.bulk_create(lines, batch_size=2000)
    return {
        "cities": user_cities,
        "provinces": sorted({site.province_id for site in sites}),
        "vendors": sorted({a.vendor for a in accelerators}),
        "models": sorted({a.name for a in accelerators}),
        "lines": len(lines),
        "sites": len(sites),
        "providers": len(providers),
    }


def query_mix(n: int, rng: random.Random, data: dict) -> list[dict]:
    """A fixed mix of realistic selection queries (what people filter on when choosing compute)."""
    sorts = ["price"] * 4 + ["-price", "available", "available", "price_performance_fp16"] * 2
    sorts += ["price_performance_fp32", "price_performance_fp64", "latency"]
    queries = []
    for _ in range(n):
        params: dict[str, str] = {}
        if rng.random() < 0.55:
            params["resource_class"] = rng.choice(("intelligent", "intelligent", "general", "supercomputing", "edge"))
        if rng.random() < 0.3:
            params["vendor"] = rng.choice(data["vendors"])
        if rng.random() < 0.15:
            params["model"] = rng.choice(data["models"])
        if rng.random() < 0.35:
            params["province"] = rng.choice(data["provinces"])
        if rng.random() < 0.1:
            params["cpu_architecture"] = rng.choice(("x86", "arm", "c86"))
        if rng.random() < 0.2:
            params["min_cards"] = str(rng.choice((8, 16, 64, 128)))
        if rng.random() < 0.15:
            params["min_fp16"] = str(rng.choice((100, 300, 900)))
        if rng.random() < 0.1:
            params["min_memory_gb"] = str(rng.choice((32, 64, 80)))
        if rng.random() < 0.25:
            params["max_price"] = str(rng.choice((2, 5, 10, 20, 40)))
        if rng.random() < 0.3:
            params["available_now"] = "1"
        if rng.random() < 0.1:
            params["certified_only"] = "1"
        if rng.random() < 0.1:
            params["q"] = rng.choice(("A100", "昇腾", "H20", "集群12", "InfiniBand", "边缘", "中心城市"))
        sort = rng.choice(sorts)
        if sort == "latency" or rng.random() < 0.15:
            params["user_city"] = rng.choice(data["cities"])
            if rng.random() < 0.4:
                params["max_latency_ms"] = str(rng.choice((5, 10, 20, 40)))
            if rng.random() < 0.2:
                params["min_bandwidth_mbps"] = str(rng.choice((500, 1000)))
        params["sort"] = sort
        params["page"] = str(rng.choices((1, 2, 3, 10), (80, 10, 6, 4))[0])
        queries.append(params)
    return queries


def ensure_stamp_indexes() -> list[str]:
    """The freshness stamp wants indexes on resource updated_at and identifier changed_at; create them
    in this throwaway database when the catalogue's migrations do not (yet) have them."""
    from django.db import connection

    from catalog.models import ComputeResource, Identifier

    created = []
    with connection.cursor() as cursor:
        for model, column in ((ComputeResource, "updated_at"), (Identifier, "changed_at")):
            table = model._meta.db_table
            constraints = connection.introspection.get_constraints(cursor, table)
            if not any(c["index"] and c["columns"][:1] == [column] for c in constraints.values()):
                cursor.execute(f"CREATE INDEX bench_{table}_{column} ON {table} ({column})")
                created.append(f"{table}.{column}")
    return created


# --- measuring ------------------------------------------------------------------------------------


def timed(backend, queries) -> tuple[list[float], list]:
    latencies, results = [], []
    for query in queries:
        started = time.perf_counter()
        result = backend.search(query)
        latencies.append((time.perf_counter() - started) * 1000)
        results.append(result)
    return latencies, results


def same_answer(a, b) -> bool:
    return a.count == b.count and [r["id"] for r in a.results] == [r["id"] for r in b.results] and a.facets == b.facets


def summary(label: str, latencies: list[float]) -> dict:
    return {
        "label": label,
        "n": len(latencies),
        "p50": statistics.median(latencies),
        "p95": percentile(latencies, 0.95),
        "p99": percentile(latencies, 0.99),
        "qps": len(latencies) / (sum(latencies) / 1000),
    }


def peak_mb(function) -> float:
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def run(engine: str, args) -> dict:
    """One engine, in this (child) process: set up the throwaway database, generate, measure."""
    import django

    django.setup()
    from django.db import connection

    test_name = (
        str(Path(args.workdir) / "bench-search.sqlite3") if engine == "sqlite" else f"bench_search_{os.getpid()}"
    )
    connection.settings_dict["TEST"]["NAME"] = test_name
    connection.settings_dict["TEST"]["MIGRATE"] = False  # tables straight from the models: seconds, not minutes
    started = time.perf_counter()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    migrate_s = time.perf_counter() - started
    try:
        from search.backends.database import DatabaseBackend
        from search.backends.naive import NaiveOrmBackend
        from search.query import ComputeQuery

        rng = random.Random(SEED)
        started = time.perf_counter()
        data = generate(args.size, rng)
        generate_s = time.perf_counter() - started
        created_indexes = ensure_stamp_indexes()
        if engine == "postgres":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        queries = [ComputeQuery.from_params(params) for params in query_mix(args.queries, rng, data)]
        database = DatabaseBackend()
        started = time.perf_counter()
        published = database.rebuild()
        build_s = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(20):
            database.stamp()
        stamp_ms = (time.perf_counter() - started) / 20 * 1000
        from search.backends.base import record_url

        record_url("WARM")  # the first reverse() imports the URL conf: a process warm-up, not a query cost
        timed(database, queries[:20])  # warm: sort orders, text index
        db_latencies, db_results = timed(database, queries)
        naive = NaiveOrmBackend()
        baseline_queries = queries[: args.baseline_queries]
        timed(naive, baseline_queries[:5])
        naive_latencies, naive_results = timed(naive, baseline_queries)
        mismatches = [
            i
            for i, (a, b) in enumerate(zip(db_results, naive_results, strict=False))
            if a.count != b.count
            or [r["id"] for r in a.results] != [r["id"] for r in b.results]
            or a.facets != b.facets
        ]
        sample = queries[:100]
        db_peak = peak_mb(lambda: (DatabaseBackend().rebuild(), timed(database, sample)))
        naive_peak = peak_mb(lambda: timed(naive, sample[: min(len(sample), args.baseline_queries)]))
        import resource

        return {
            "engine": engine,
            "size": args.size,
            "published": published,
            "sites": data["sites"],
            "lines": data["lines"],
            "migrate_s": migrate_s,
            "generate_s": generate_s,
            "build_s": build_s,
            "stamp_ms": stamp_ms,
            "created_indexes": created_indexes,
            "database": summary("database backend", db_latencies),
            "naive": summary("naive ORM baseline", naive_latencies),
            "db_peak_mb": db_peak,
            "naive_peak_mb": naive_peak,
            "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "mismatches": mismatches[:20],
            "compared": len(naive_results),
        }
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def report(result: dict) -> None:
    db, naive = result["database"], result["naive"]
    print(
        f"\n== {result['engine']}: {result['size']:,} resources ({result['published']:,} published), "
        f"{result['sites']:,} sites, {result['lines']:,} lines"
    )
    print(
        f"   setup: migrate {result['migrate_s']:.1f} s, generate {result['generate_s']:.1f} s, "
        f"index build {result['build_s']:.2f} s, freshness stamp {result['stamp_ms']:.2f} ms/query"
    )
    if result["created_indexes"]:
        print(f"   note: created the stamp indexes the catalogue lacks: {', '.join(result['created_indexes'])}")
    for row, peak in ((db, result["db_peak_mb"]), (naive, result["naive_peak_mb"])):
        print(
            f"   {row['label']:<20} {row['n']:>5} queries  p50 {row['p50']:7.2f} ms  p95 {row['p95']:7.2f} ms  "
            f"p99 {row['p99']:7.2f} ms  {row['qps']:8.1f} q/s  peak {peak:6.1f} MB"
        )
    print(
        f"   ratio (baseline / database): p50 {naive['p50'] / db['p50']:.1f}x, p95 {naive['p95'] / db['p95']:.1f}x; "
        f"same hits, counts and facets in {result['compared'] - len(result['mismatches'])}/{result['compared']} "
        f"queries; process max RSS {result['max_rss_mb']:.0f} MB"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--baseline-queries", type=int, default=None, help="default: --queries")
    parser.add_argument(
        "--only", choices=("sqlite", "postgres"), help="measure one engine (e.g. PostgreSQL at --size 1000000)"
    )
    parser.add_argument("--engine", choices=("sqlite", "postgres"), help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.baseline_queries is None:
        args.baseline_queries = args.queries
    if args.engine:  # child: one engine
        result = run(args.engine, args)
        Path(args.json).write_text(json.dumps(result))
        return 0

    engines = ["sqlite"] + (["postgres"] if os.environ.get("DATABASE_URL") else [])
    if args.only:
        if args.only not in engines:
            parser.error("--only postgres needs DATABASE_URL")
        engines = [args.only]
    print(
        f"bench-search: {args.size:,} resources, {args.queries} queries (baseline {args.baseline_queries}), "
        f"seed {SEED}; {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}"
    )
    failed = False
    for engine in engines:
        with tempfile.TemporaryDirectory(prefix="bench-search-") as workdir:
            env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test", "PYTHONPATH": str(ROOT)}
            if engine == "sqlite":
                env.pop("DATABASE_URL", None)
                env["SQLITE_PATH"] = str(Path(workdir) / "unused.sqlite3")
            out = Path(workdir) / "result.json"
            command = [sys.executable, __file__, "--engine", engine, "--workdir", workdir, "--json", str(out)]
            command += ["--size", str(args.size), "--queries", str(args.queries)]
            command += ["--baseline-queries", str(args.baseline_queries)]
            completed = subprocess.run(command, env=env, cwd=ROOT, check=False)
            if completed.returncode or not out.exists():
                print(f"\n== {engine}: FAILED (exit {completed.returncode})")
                failed = True
                continue
            result = json.loads(out.read_text())
            report(result)
            failed = failed or bool(result["mismatches"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
