"""make bench-search: compute selection on 100,000 resources — database backend vs the naive ORM baseline.

Generates ``--size`` resources (and a line set) into a throwaway database (a temporary SQLite file;
also a throwaway PostgreSQL database when DATABASE_URL is set) with raw inserts (binary COPY on
PostgreSQL, executemany on SQLite; the secondary indexes made after the load; the same rows for a
seed as the former ORM generator), runs a fixed, seeded mix of realistic queries with facets
through the database backend (built and warmed up as a server does at start) and through the naive
ORM baseline (filter + COUNT + one GROUP BY per facet), checks that both return the same hits and
counts, and prints p50/p95/p99 latency, queries/s and the ratio, with each set-up stage, and the index's
resident memory per process, measured in a fresh process on the generated database (bench/index_memory.py).

    .venv/bin/python bench/search.py [--size 100000] [--queries 1000] [--baseline-queries 1000]
    DATABASE_URL=... make bench-search SIZE=1000000 BASELINE_QUERIES=30 ARGS="--only postgres"
"""

import argparse
import contextlib
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
TARGET_INDEX_MB = 100  # issue 13: the index's resident memory per process at 100k resources
DESCRIPTIONS = ("", "支持按需计费与包月", "InfiniBand 高速互联，适合大模型训练", "低时延边缘推理")


# --- data ---------------------------------------------------------------------------------------


CHUNK = 20_000
# The columns the generator writes (raw inserts, no model instances); every other column of the two
# tables is nullable and stays NULL, as it did with the ORM.
RESOURCE_COLUMNS = (
    "id", "external_id", "name", "description", "listing_state", "state", "version", "created_at", "updated_at",
    "provider_id", "site_id", "province_code", "city_code", "resource_class", "accelerator_id",
    "accelerator_vendor", "accelerator_model", "accelerators_per_node", "node_count", "cpu_architecture",
    "vcpus_per_node", "memory_gb_per_node", "accelerator_memory_gb", "fp64_tflops_per_card",
    "fp32_tflops_per_card", "fp16_tflops_per_card", "interconnect", "billing_unit", "price_yuan",
    "available_units", "certifications",
)  # fmt: skip
IDENTIFIER_COLUMNS = ("code", "prefix", "class_code", "serial", "state", "resource_id", "issued_at", "changed_at")


class RawRows:
    """Tuples into one table: binary ``COPY ... FROM STDIN`` on PostgreSQL (psycopg 3's
    ``cursor.copy()``, the column types read from the catalog: a fifth faster than text COPY),
    one ``executemany`` INSERT elsewhere. Values are what the database adapter takes as they are
    (ints, strings, Decimals, datetimes made ready by ``adapt_datetimefield_value``, JSON as the
    JSON field prepares it)."""

    def __init__(self, model: type, columns: tuple[str, ...]):
        from django.db import connection

        self.connection = connection
        quote = connection.ops.quote_name
        names = {field.column for field in model._meta.concrete_fields}
        assert set(columns) <= names, set(columns) - names
        table, listed = quote(model._meta.db_table), ", ".join(quote(column) for column in columns)
        self.copy_sql = f"COPY {table} ({listed}) FROM STDIN (FORMAT BINARY)"
        self.insert_sql = f"INSERT INTO {table} ({listed}) VALUES ({', '.join(['%s'] * len(columns))})"
        self.types: list[int] = []
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0",
                    [model._meta.db_table],
                )
                oids = dict(cursor.fetchall())
            self.types = [oids[column] for column in columns]
        self.written = 0

    def write(self, rows: list[tuple]) -> None:
        if not rows:
            return
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                with cursor.copy(self.copy_sql) as copy:
                    copy.set_types(self.types)
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.insert_sql, rows)
        self.written += len(rows)


@contextlib.contextmanager
def indexes_after_load(models: list[type]):
    """Bulk-load the tables of ``models`` without their secondary indexes: drop them (and, on
    PostgreSQL, the foreign-key and unique constraints) first and create them again after the load,
    inside the caller's transaction. One sort per index instead of a B-tree insert per row per index
    (25 indexes on the resource table), and one validating join per foreign key instead of a deferred
    check per row. Primary keys stay."""
    from django.db import connection

    quote = connection.ops.quote_name
    restore: list[str] = []
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype IN ('f', 'u', 'p')",
                    [table],
                )
                constraints = cursor.fetchall()
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s",
                    [table],
                )
                indexes = [(name, sql) for name, sql in cursor.fetchall() if name not in {c[0] for c in constraints}]
                for name, kind, definition in constraints:
                    if kind != "p":
                        cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
                        # unique ones first (foreign keys of the other table may need them)
                        at = 0 if kind == "u" else len(restore)
                        restore.insert(at, f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
            else:
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                    [table],
                )
                indexes = cursor.fetchall()
            for name, sql in indexes:
                cursor.execute(f"DROP INDEX {quote(name)}")
                restore.insert(0, sql)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    yield
    with connection.cursor() as cursor:
        for statement in restore:
            cursor.execute(statement)


def generate(size: int, rng: random.Random) -> dict:
    """Providers, sites and lines through the ORM (thousands); ``size`` resources and their
    identifiers with raw inserts in chunks of CHUNK rows (a million in one or two minutes, memory
    bounded by a chunk). The random draws are the ones the ORM generator made, in the same order, so
    a seed gives the same rows as before (ids, values, identifiers)."""
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from catalog.models import (
        AcceleratorModel,
        ComputeResource,
        Identifier,
        NetworkLine,
        Provider,
        Site,
    )
    from catalog.reference_data import load_accelerators
    from organizations.identifiers import format_identifier
    from organizations.models import Division, IndustryCategory, Organization
    from organizations.reference_data import load_all
    from organizations.uscc import ALPHABET, make_uscc

    started = time.perf_counter()
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
    # what a site and an accelerator contribute to every row (the site's province and city codes, as
    # ComputeResource.sync_location copies them)
    site_part = [(site, (site.provider_id, site.pk, site.province_id, site.city_id)) for site in sites]
    accelerator_part = [
        (
            accelerator,
            (accelerator.pk, accelerator.vendor, accelerator.name),
            (accelerator.memory_gb, accelerator.fp64_tflops, accelerator.fp32_tflops, accelerator.fp16_tflops),
            float(accelerator.fp16_tflops or 100) / 40 + 2,
        )
        for accelerator in accelerators
    ]
    certifications_field = ComputeResource._meta.get_field("certifications")
    certification_sets = [
        certifications_field.get_db_prep_save(value, connection)
        for value in ([], ["等保三级"], ["等保三级", "ISO 27001"])
    ]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(ComputeResource._meta.db_table)}")
        first_id = (cursor.fetchone()[0] or 0) + 1
    class_codes = {"general": "G", "intelligent": "A", "supercomputing": "H", "edge": "E"}
    approved_ids: list[int] = []
    approved_codes: list[str] = []
    resources = RawRows(ComputeResource, RESOURCE_COLUMNS)
    identifiers = RawRows(Identifier, IDENTIFIER_COLUMNS)
    choice, randrange, uniform, random_, choices = rng.choice, rng.randrange, rng.uniform, rng.random, rng.choices
    stages = {"setup": time.perf_counter() - started}
    with transaction.atomic(), indexes_after_load([ComputeResource, Identifier]):
        started = time.perf_counter()
        rows = []
        for i in range(size):
            site, site_values = choice(site_part)
            resource_class = choice(classes)
            nodes = choice((1, 2, 4, 8, 16, 32, 64))
            if resource_class == "general":
                vcpus = choice((32, 64, 128))
                billing_unit = "vcpu_hour"
                price = Decimal(randrange(5, 80)) / 100
                units = nodes * vcpus
                accelerator_values, per_node, figures, model_name = (None, "", ""), 0, (None, None, None, None), None
            else:
                _accelerator, accelerator_values, figures, base = choice(accelerator_part)
                model_name = accelerator_values[2]
                per_node = choice((1, 2, 4, 8)) if resource_class == "edge" else 8
                vcpus = None
                if resource_class == "supercomputing":
                    billing_unit = "node_hour"
                    price = Decimal(f"{base * per_node * uniform(0.7, 1.4):.2f}")
                    units = nodes
                else:
                    billing_unit = "card_hour"
                    price = Decimal(f"{base * uniform(0.6, 1.6):.2f}")
                    units = nodes * per_node
            roll = random_()
            # the keyword arguments of the former ComputeResource(...) were drawn in this order
            description = choice(DESCRIPTIONS)
            architecture = choice(architectures)
            memory = choice((256, 512, 1024, 2048))
            available = randrange(0, units + 1)
            state = "online" if roll < 0.85 else ("maintenance" if roll < 0.95 else "offline")
            listing_state = choices(("approved", "pending", "delisted"), (90, 6, 4))[0]
            certifications = choices(certification_sets, (50, 40, 10))[0]
            pk = first_id + i
            rows.append(
                (
                    pk, f"BR-{i:07d}", f"{model_name or '通用计算'}集群{i}", description, listing_state, state, 1,
                    now, now, *site_values, resource_class, *accelerator_values, per_node, nodes, architecture,
                    vcpus, memory, *figures, "", billing_unit, price, available, certifications,
                )
            )  # fmt: skip
            if listing_state == "approved":
                approved_ids.append(pk)
                approved_codes.append(class_codes[resource_class])
            if len(rows) == CHUNK:  # a million rows would not fit in memory at once
                resources.write(rows)
                rows.clear()
        resources.write(rows)
        del rows
        stages["resources"] = time.perf_counter() - started
        started = time.perf_counter()
        prefix = settings.NODE_IDENTIFIER_PREFIX
        serials = dict.fromkeys(class_codes.values(), 0)
        rows = []
        for pk, code in zip(approved_ids, approved_codes, strict=True):
            if random_() < 0.03:
                continue  # approved but no identifier yet
            serials[code] += 1
            serial = serials[code]
            state = choices(("issued", "filed", "active", "suspended", "revoked"), (10, 20, 67, 2, 1))[0]
            rows.append(
                (format_identifier(prefix=prefix, class_code=code, serial=serial), prefix, code, serial, state, pk)
                + (now, now)
            )
            if len(rows) == CHUNK:
                identifiers.write(rows)
                rows.clear()
        identifiers.write(rows)
        del rows, approved_ids, approved_codes
        with connection.cursor() as cursor:  # explicit ids: move the id sequences past them
            for statement in connection.ops.sequence_reset_sql(no_style(), [ComputeResource, Identifier]):
                cursor.execute(statement)
        stages["identifiers"] = time.perf_counter() - started
        started = time.perf_counter()
    stages["indexes"] = time.perf_counter() - started  # made again when the load's block ends
    started = time.perf_counter()
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
    stages["lines"] = time.perf_counter() - started
    return {
        "stages": stages,
        "cities": user_cities,
        "provinces": sorted({site.province_id for site in sites}),
        "vendors": sorted({a.vendor for a in accelerators}),
        "models": sorted({a.name for a in accelerators}),
        "lines": len(lines),
        "sites": len(sites),
        "providers": len(providers),
        "resources": resources.written,
        "identifiers": identifiers.written,
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


def index_memory(database: str, queries: list[dict], workdir: str) -> dict:
    """The index's resident memory per process: a fresh process on the generated database sets Django
    up, builds and warms the index as a web process does and runs first searches (bench/index_memory.py),
    once for its RSS and once under tracemalloc (retained and peak Python allocations)."""
    path = Path(workdir) / "memory-queries.json"
    path.write_text(json.dumps(queries))
    result: dict = {}
    for trace in (False, True):
        command = [sys.executable, str(Path(__file__).with_name("index_memory.py")), "--database", database]
        command += ["--queries", str(path)] + (["--trace"] if trace else [])
        completed = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
        measured = json.loads(completed.stdout.strip().splitlines()[-1])
        if trace:  # (its RSS includes tracemalloc's own bookkeeping: not used)
            result.update({key: measured[key] for key in ("retained_mb", "peak_mb", "top")})
        else:
            result.update(measured, rss_growth_mb=measured["rss_after_mb"] - measured["rss_before_mb"])
    return result


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
        from search.backends import freshness_seconds
        from search.backends.database import DatabaseBackend
        from search.backends.naive import NaiveOrmBackend
        from search.query import ComputeQuery

        rng = random.Random(SEED)
        started = time.perf_counter()
        data = generate(args.size, rng)
        generate_s = time.perf_counter() - started
        vacuum_s = 0.0
        if engine == "postgres":  # now, not by autovacuum while the queries are measured
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE)")
            vacuum_s = time.perf_counter() - started
        mix = query_mix(args.queries, rng, data)
        queries = [ComputeQuery.from_params(params) for params in mix]
        # as the server runs it: the change feed read at most every SEARCH_FRESHNESS_SECONDS (by default
        # before every search on SQLite, every 0.1 s on PostgreSQL), the index warmed up before the first query
        freshness = freshness_seconds()
        database = DatabaseBackend(freshness_interval=freshness)
        started = time.perf_counter()
        published = database.rebuild()
        build_s = time.perf_counter() - started
        started = time.perf_counter()
        database.warm()
        warm_s = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(20):
            database._catch_up()  # what a search pays to read the feed when nothing changed
        feed_ms = (time.perf_counter() - started) / 20 * 1000
        from search.backends.base import record_url

        record_url("WARM")  # the first reverse() imports the URL conf: a process warm-up, not a query cost
        timed(database, queries[:20])  # warm: sort orders, text index
        db_latencies, db_results = timed(database, queries)
        db_load = os.getloadavg()[0]
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
        naive_peak = peak_mb(lambda: timed(naive, queries[: min(10, args.baseline_queries)]))
        compared = len(naive_results)
        del database, db_results, naive_results  # (the child measures its own index)
        memory = index_memory(test_name, mix[:100], args.workdir)
        import resource

        return {
            "engine": engine,
            "size": args.size,
            "published": published,
            "sites": data["sites"],
            "lines": data["lines"],
            "migrate_s": migrate_s,
            "generate_s": generate_s,
            "generate_stages": data["stages"],
            "vacuum_s": vacuum_s,
            "build_s": build_s,
            "warm_s": warm_s,
            "freshness_s": freshness,
            "feed_ms": feed_ms,
            "database": summary("database backend", db_latencies),
            "database_load": db_load,
            "naive": summary("naive ORM baseline", naive_latencies),
            "naive_peak_mb": naive_peak,
            "memory": memory,
            "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "mismatches": mismatches[:20],
            "compared": compared,
        }
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def report(result: dict) -> None:
    db, naive = result["database"], result["naive"]
    freshness = result["freshness_s"]
    compared = f"compared at most every {freshness:g} s" if freshness else "compared before every query"
    vacuum = f"vacuum analyze {result['vacuum_s']:.1f} s, " if result["vacuum_s"] else ""
    print(
        f"\n== {result['engine']}: {result['size']:,} resources ({result['published']:,} published), "
        f"{result['sites']:,} sites, {result['lines']:,} lines"
    )
    print(
        f"   setup: migrate {result['migrate_s']:.1f} s, generate {result['generate_s']:.1f} s "
        f"({', '.join(f'{stage} {seconds:.1f} s' for stage, seconds in result['generate_stages'].items())}), "
        f"{vacuum}"
        f"index build {result['build_s']:.2f} s + warm-up {result['warm_s']:.2f} s, change feed read "
        f"{result['feed_ms']:.3f} ms ({compared})"
    )
    for row, peak in ((db, ""), (naive, f"  peak {result['naive_peak_mb']:6.1f} MB")):
        print(
            f"   {row['label']:<20} {row['n']:>5} queries  p50 {row['p50']:7.2f} ms  p95 {row['p95']:7.2f} ms  "
            f"p99 {row['p99']:7.2f} ms  {row['qps']:8.1f} q/s{peak}"
        )
    memory = result["memory"]
    print(
        f"   index memory per process (a fresh process: build, warm-up, {memory['searches']} first searches, "
        f"gc): RSS +{memory['rss_growth_mb']:.1f} MB ({memory['rss_before_mb']:.0f} -> "
        f"{memory['rss_after_mb']:.0f} MB; target at 100k: <= {TARGET_INDEX_MB} MB); tracemalloc retained "
        f"{memory['retained_mb']:.1f} MB, build peak {memory['peak_mb']:.1f} MB"
    )
    print("   largest retained allocations: " + "; ".join(memory["top"][:5]))
    print(
        f"   ratio (baseline / database): p50 {naive['p50'] / db['p50']:.1f}x, p95 {naive['p95'] / db['p95']:.1f}x; "
        f"same hits, counts and facets in {result['compared'] - len(result['mismatches'])}/{result['compared']} "
        f"queries; process max RSS {result['max_rss_mb']:.0f} MB; load {result['database_load']:.2f} after "
        f"the database backend's queries"
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
