"""make bench-import: bulk import of 100,000 compute resources — the project's fast path vs
django-import-export with its default settings, on the same CSV file.

The parent process creates a throwaway SQLite database once (one provider with 20 sites; the
accelerator reference table), generates the CSV, then runs each path in its own child process on
a fresh copy of that database, so every path starts from the same state and its peak memory
(``ru_maxrss`` of the child, i.e. the whole Python process including Django) is its own:

- fast:      ``catalog.imports.file_import`` (stream; batches prepared column-wise — parsed,
             validated, INSERT parameters and version payloads built — in a forked worker while
             this process writes them with executemany, all in one transaction, one version per
             record), then the same file again (nothing changes: no writes), then the file with
             every price changed (an update of every record: its feed rows carry patches,
             changes.models.Change.patch). ``--feed-cost`` runs the same with id-only feed rows and
             without feed rows, and prints the feed's cost for new and for changed records. The worker's CPU time
             and peak RSS are reported beside the importing process's; the memory target is checked
             on their sum (which counts the pages they share through fork twice);
- defaults:  ``ComputeResourceResource(provider=...).import_data(dataset)``, a plain ModelResource
             with import-export's default options (row by row, one transaction), on the first
             ``--defaults-rows`` rows (10,000 by default: at ~50-500 rows/s 100k rows would take
             minutes).

Both paths produce the same records and versions: the child prints a digest of the version
payloads of the common prefix and the parent compares them. The change feed's consumers (search
indexing, live updates, cache, resource samples) read the feed in other processes: their cost is
measured by their own benches.

The schema (``--schema``): ``models`` (default) creates the tables straight from the current models
(``migrate --run-syncdb`` with migrations off: the same tables, constraints and indexes as the
migrations give — CI checks ``makemigrations --check`` — in seconds) and loads the reference data
the data migrations load; ``migrations`` runs every migration (a minute or more).

Other processes share the machine: the load average is printed before and after, and CPU seconds
per process beside wall time (wall time is what the targets are about, CPU time is what a busy
machine does not distort).

    .venv/bin/python bench/imports.py [--rows 100000] [--defaults-rows 10000] [--schema models|migrations]
"""

import argparse
import csv
import hashlib
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = 20260322
SITES = 20
TARGET_ROWS_PER_S = 10_000
TARGET_RATIO = 5.0
TARGET_PEAK_MB = 500

HEADERS = [
    "服务商侧编号",
    "名称",
    "说明",
    "数据中心站点编号",
    "算力类型",
    "加速卡型号",
    "每节点加速卡数（张）",
    "节点数（台）",
    "CPU 架构",
    "每节点 vCPU（个）",
    "每节点内存（GB）",
    "存储容量（TB）",
    "互联方式",
    "计费单位",
    "单价（元/计费单位）",
    "当前可用数量",
    "运行状态",
    "SLA 可用性（%）",
    "认证",
]


def _django(db_path: str):
    os.environ["SQLITE_PATH"] = db_path
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.test")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _schema_from_models() -> None:
    """The tables of every installed app from the current models, and the reference data that the
    data migrations load (divisions, industry categories, role groups, accelerators)."""
    from django.apps import apps
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}
    call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
    from organizations.models import Division, IndustryCategory
    from organizations.reference_data import load_all

    load_all(Division=Division, IndustryCategory=IndustryCategory, Group=Group)


def prepare(workdir: Path, schema: str) -> dict:
    """Child: create the template database's schema, the provider and its sites."""
    _django(str(workdir / "template.sqlite3"))
    from django.core.management import call_command

    started = time.perf_counter()
    if schema == "models":
        _schema_from_models()
    else:
        call_command("migrate", verbosity=0, interactive=False)
    migrate_s = time.perf_counter() - started
    from catalog.models import AcceleratorModel, Provider, Site
    from catalog.reference_data import load_accelerators
    from organizations.models import Division, Organization
    from organizations.uscc import make_uscc

    if not AcceleratorModel.objects.exists():
        load_accelerators(AcceleratorModel)
    organization = Organization.objects.create(
        name="基准测试算力有限公司",
        kind="enterprise",
        uscc=make_uscc(division="510100", body="MA6BENCH"),
        city_id="510100",
        province_id="510000",
        registered_capital=100_000_000,
    )
    provider = Provider.objects.create(
        organization=organization, onboarding_state="certified", is_resource_provider=True
    )
    cities = list(Division.objects.filter(level="city", code__startswith="51").values_list("code", flat=True))
    for n in range(SITES):
        city = cities[n % len(cities)]
        Site.objects.create(
            provider=provider,
            code=f"DC-{n:02d}",
            name=f"基准数据中心{n:02d}",
            city_id=city,
            province_id=city[:2] + "0000",
        )
    from django.db import connection

    connection.close()
    return {
        "provider": provider.pk,
        "uscc": organization.uscc,
        "migrate_s": migrate_s,
        "accelerators": list(AcceleratorModel.objects.values_list("name", flat=True)),
    }


def generate(path: Path, rows: int, accelerators: list[str]) -> None:
    rng = random.Random(SEED)
    classes = ["智能算力", "通用算力", "超算算力", "边缘算力"]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for n in range(rows):
            resource_class = classes[0] if n % 3 else rng.choice(classes)
            smart = resource_class == "智能算力"
            model = rng.choice(accelerators) if smart else ""
            writer.writerow(
                [
                    f"BENCH-{n:06d}",
                    f"{model or '通用'}资源池 {n}",
                    "基准测试数据" if n % 5 == 0 else "",
                    f"DC-{n % SITES:02d}",
                    resource_class,
                    model,
                    rng.choice([4, 8, 16]) if smart else "",
                    rng.randint(1, 64),
                    rng.choice(["x86", "ARM", "C86（海光）"]),
                    rng.choice([64, 96, 128, 192]),
                    rng.choice([256, 512, 1024]),
                    f"{rng.randint(1, 500)}.{rng.randint(0, 99):02d}",
                    "RoCE v2 200Gb/s" if smart else "",
                    "元/卡·时" if smart else "元/节点·时",
                    f"{rng.uniform(0.5, 40):.2f}",
                    rng.randint(0, 512),
                    rng.choice(["在线", "在线", "在线", "维护中"]),
                    rng.choice(["99.9", "99.95", ""]),
                    rng.choice(["", "等保三级", "等保三级；可信云"]),
                ]
            )


def _digest(external_ids: list[str]) -> str:
    from django.contrib.contenttypes.models import ContentType

    from catalog.models import ComputeResource, RecordVersion

    ids = dict(ComputeResource.objects.filter(external_id__in=external_ids).values_list("pk", "external_id"))
    versions = RecordVersion.objects.filter(
        content_type=ContentType.objects.get_for_model(ComputeResource), object_id__in=list(ids)
    ).values_list("object_id", "version", "payload")
    lines = sorted(
        json.dumps([ids[pk], version, payload], sort_keys=True, ensure_ascii=False) for pk, version, payload in versions
    )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _prices_changed(csv_path: str) -> str:
    """A copy of the CSV with every price one yuan higher (next to it, made once)."""
    target = f"{csv_path}.prices-changed.csv"
    if not Path(target).exists():
        with open(csv_path, encoding="utf-8-sig", newline="") as source:
            rows = list(csv.reader(source))
        at = rows[0].index("单价（元/计费单位）")
        for row in rows[1:]:
            row[at] = f"{Decimal(row[at]) + 1:.2f}"
        with open(target, "w", encoding="utf-8-sig", newline="") as out:
            csv.writer(out).writerows(rows)
    return target


def measure(path_name: str, db_path: str, csv_path: str, provider_id: int, prefix: int) -> dict:
    """Child: one import path on its own fresh database copy."""
    import resource

    _django(db_path)
    from catalog.models import ComputeResource, Provider, RecordVersion

    provider = Provider.objects.get(pk=provider_id)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {"path": path_name, "rss_before_mb": rss_before}
    if path_name in ("fast", "fast-nofeed", "fast-nopatch"):
        import catalog.imports.engine as engine
        from catalog.imports import file_import

        if path_name == "fast-nofeed":  # the change feed's write cost: the same import without its feed rows
            engine.records_changed_append = lambda **_kwargs: 0
        elif path_name == "fast-nopatch":  # feed rows with ids only (before the import wrote patches)
            append = engine.records_changed_append
            engine.records_changed_append = lambda **kwargs: append(**{**kwargs, "patches": None})

        started, cpu = time.perf_counter(), time.process_time()
        with open(csv_path, "rb") as stream:
            report = file_import(model=ComputeResource, provider=provider, stream=stream, fmt="csv")
        result["seconds"] = time.perf_counter() - started
        result["cpu_s"] = time.process_time() - cpu
        result["rows"] = report.total_rows
        result["errors"] = [str(error) for error in report.errors[:5]]
        result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        result["worker_cpu_s"] = children.ru_utime + children.ru_stime
        result["worker_peak_mb"] = children.ru_maxrss / 1024
        started, cpu = time.perf_counter(), time.process_time()
        with open(csv_path, "rb") as stream:
            again = file_import(model=ComputeResource, provider=provider, stream=stream, fmt="csv")
        result["reimport_seconds"] = time.perf_counter() - started
        result["reimport_cpu_s"] = time.process_time() - cpu
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        result["reimport_worker_cpu_s"] = children.ru_utime + children.ru_stime - result["worker_cpu_s"]
        result["reimport_unchanged"] = again.unchanged
    else:
        from import_export.formats.base_formats import CSV

        from catalog.imports.resources import ComputeResourceResource

        started, cpu = time.perf_counter(), time.process_time()
        with open(csv_path, "rb") as stream:
            dataset = CSV(encoding="utf-8-sig").create_dataset(stream.read())
        outcome = ComputeResourceResource(provider=provider).import_data(dataset)
        result["seconds"] = time.perf_counter() - started
        result["cpu_s"] = time.process_time() - cpu
        result["rows"] = len(dataset)
        result["errors"] = [str(row.error) for row in outcome.invalid_rows[:5]] + [
            str(error.error) for _n, errors in outcome.row_errors()[:5] for error in errors
        ]
        result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["records"] = ComputeResource.objects.count()
    result["versions"] = RecordVersion.objects.count()
    result["digest"] = _digest([f"BENCH-{n:06d}" for n in range(prefix)])
    if path_name.startswith("fast"):  # (after the digest and counts, which compare with the defaults)
        from catalog.imports import file_import

        changed_path = _prices_changed(csv_path)  # every row's price changed: an update of every record
        started, cpu = time.perf_counter(), time.process_time()
        with open(changed_path, "rb") as stream:
            update = file_import(model=ComputeResource, provider=provider, stream=stream, fmt="csv")
        result["update_seconds"] = time.perf_counter() - started
        result["update_cpu_s"] = time.process_time() - cpu
        result["updated"] = update.updated
    return result


def _child(args: list[str]) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test", "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    completed = subprocess.run([sys.executable, __file__, *args], env=env, cwd=ROOT, capture_output=True, text=True)
    if completed.returncode:
        sys.stderr.write(completed.stdout + completed.stderr)
        raise SystemExit(f"child {args[:2]} failed")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def _copy_db(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--defaults-rows", type=int, default=10_000)
    parser.add_argument("--schema", choices=("models", "migrations"), default="models")
    parser.add_argument(
        "--feed-cost",
        action="store_true",
        help="also run the fast path with id-only feed rows (no patches) and without feed rows, and compare",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        if args.child[0] == "prepare":
            print(json.dumps(prepare(Path(args.child[1]), args.child[2])))
        else:
            name, db, path, provider, prefix = args.child
            print(json.dumps(measure(name, db, path, int(provider), int(prefix))))
        return 0

    defaults_rows = min(args.defaults_rows, args.rows)
    started = time.perf_counter()
    sum(range(10**7))  # a crude CPU yardstick: ~0.15-0.2 s on an idle modern core
    yardstick = time.perf_counter() - started
    print(
        f"bench-import: {args.rows:,} compute-resource rows (CSV, one provider, {SITES} sites), SQLite; "
        f"{os.cpu_count()} CPUs, load average {_load()}, CPU yardstick sum(range(1e7)) {yardstick:.2f} s"
    )
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        workdir = Path(tmp)
        setup = _child(["--child", "prepare", str(workdir), args.schema])
        csv_path, prefix_path = workdir / "resources.csv", workdir / "resources-prefix.csv"
        started = time.perf_counter()
        generate(csv_path, args.rows, setup["accelerators"])
        with csv_path.open(encoding="utf-8-sig") as full, prefix_path.open("w", encoding="utf-8-sig") as part:
            for n, line in enumerate(full):
                if n > defaults_rows:
                    break
                part.write(line)
        schema = "tables from the models" if args.schema == "models" else "migrations"
        print(
            f"   setup: schema ({schema}) {setup['migrate_s']:.1f} s, "
            f"generate CSV {time.perf_counter() - started:.1f} s ({csv_path.stat().st_size / 2**20:.1f} MB)"
        )
        results = {}
        paths = [("fast", csv_path), ("defaults", prefix_path)]
        if args.feed_cost:
            paths[1:1] = [("fast-nopatch", csv_path), ("fast-nofeed", csv_path)]
        for name, path in paths:
            db = workdir / f"{name}.sqlite3"
            _copy_db(workdir / "template.sqlite3", db)
            results[name] = _child(["--child", name, str(db), str(path), str(setup["provider"]), str(defaults_rows)])
            results[name]["load_after"] = _load()
            db.unlink()
        shutil.rmtree(workdir, ignore_errors=True)

    fast, defaults = results["fast"], results["defaults"]
    if "fast-nofeed" in results:
        bare = results["fast-nofeed"]
        with_feed, without = fast["rows"] / fast["seconds"], bare["rows"] / bare["seconds"]
        print(
            f"   change feed's write cost: fast path {with_feed:,.0f} rows/s with its feed rows, {without:,.0f} rows/s "
            f"without ({(1 - with_feed / without) * 100:.1f} % fewer; CPU of the importing process "
            f"{fast['cpu_s']:.2f} s / {bare['cpu_s']:.2f} s; load after each: {fast['load_after']} / "
            f"{bare['load_after']})"
        )
        ids_only = results["fast-nopatch"]
        rates = [result["updated"] / result["update_seconds"] for result in (fast, ids_only, bare)]
        print(
            f"   updating every record (prices changed, {fast['updated']:,} rows): {rates[0]:,.0f} rows/s with "
            f"feed rows carrying patches, {rates[1]:,.0f} with ids only, {rates[2]:,.0f} without feed rows "
            f"({(1 - rates[0] / rates[2]) * 100:.1f} % / {(1 - rates[1] / rates[2]) * 100:.1f} % fewer; CPU "
            f"{fast['update_cpu_s']:.2f} / {ids_only['update_cpu_s']:.2f} / {bare['update_cpu_s']:.2f} s; "
            f"load after each: {fast['load_after']} / {ids_only['load_after']} / {bare['load_after']})"
        )
    print(f"   load average after the fast path: {fast['load_after']}; after the defaults: {defaults['load_after']}")
    failed = False
    for result in (fast, defaults):
        result["rate"] = result["rows"] / result["seconds"]
        if result["errors"] or result["records"] != result["rows"]:
            problem = f"{result['records']} records for {result['rows']} rows; errors {result['errors']}"
            print(f"   !! {result['path']}: {problem}")
            failed = True
    print(
        f"   project fast path      {fast['rows']:>7,} rows  {fast['seconds']:7.2f} s  {fast['rate']:9,.0f} rows/s  "
        f"peak RSS {fast['peak_mb']:6.0f} MB (before import {fast['rss_before_mb']:.0f} MB)"
    )
    if fast["worker_cpu_s"]:
        print(
            f"      CPU: importing process {fast['cpu_s']:.2f} s, preparing worker {fast['worker_cpu_s']:.2f} s "
            f"(peak RSS {fast['worker_peak_mb']:.0f} MB, mostly pages shared with the importing process)"
        )
    else:
        print(f"      CPU: {fast['cpu_s']:.2f} s, batches prepared in the importing process (no worker)")
    fast_memory = fast["peak_mb"] + fast["worker_peak_mb"]
    note = "" if defaults["rows"] == fast["rows"] else f"  [defaults measured on the first {defaults['rows']:,} rows]"
    print(
        f"   import-export defaults {defaults['rows']:>7,} rows  {defaults['seconds']:7.2f} s  "
        f"{defaults['rate']:9,.0f} rows/s  "
        f"peak RSS {defaults['peak_mb']:6.0f} MB (before import {defaults['rss_before_mb']:.0f} MB){note}"
    )
    per_cpu_s = defaults["rows"] / max(defaults["cpu_s"], 1e-9)
    print(f"      CPU: {defaults['cpu_s']:.2f} s ({per_cpu_s:,.0f} rows per CPU second)")
    ratio = fast["rate"] / defaults["rate"]
    same = fast["digest"] == defaults["digest"]
    print(
        f"   ratio fast / defaults: {ratio:.1f}x; same records and versions on the common {defaults['rows']:,} rows: "
        f"{'yes' if same else 'NO'}"
    )
    print(
        f"   fast re-import of the same file: {fast['reimport_seconds']:.2f} s "
        f"(CPU {fast['reimport_cpu_s']:.2f} s + worker {fast['reimport_worker_cpu_s']:.2f} s), "
        f"{fast['reimport_unchanged']:,} rows unchanged, no new versions ({fast['versions']:,} versions in all)"
    )
    met = [
        ("rows/s", fast["rate"] >= TARGET_ROWS_PER_S, f">= {TARGET_ROWS_PER_S:,}"),
        ("ratio", ratio >= TARGET_RATIO, f">= {TARGET_RATIO:.0f}x"),
        ("peak memory", fast_memory < TARGET_PEAK_MB, f"< {TARGET_PEAK_MB} MB"),
    ]
    print("   targets: " + ", ".join(f"{name} {target} {'met' if ok else 'NOT met'}" for name, ok, target in met))
    return 1 if failed or not same else 0


if __name__ == "__main__":
    sys.exit(main())
