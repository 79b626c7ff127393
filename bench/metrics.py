"""make bench-metrics: provider metric samples through the ingestion endpoint, roll-ups, dashboard queries.

In a throwaway SQLite database (tables from the models), with ``--resources`` listed compute resources
of one provider, it:

1. POSTs ``--samples`` samples in batches of ``--batch`` to ``/api/v1/provider/metrics/`` — by default
   over HTTP on loopback (a WSGI server in a thread of the same process), or through Django's test
   client (``--transport client``) — while a second thread runs the incremental roll-up in a loop;
   prints samples/s and the roll-up lag (batch committed → its samples in the hourly and daily rows);
2. calls the ingestion service directly with the same number of samples, as a baseline (no HTTP, no
   JSON, no validation) and prints the ratio;
3. rebuilds every roll-up from scratch and prints the time;
4. times dashboard chart queries (p50/p95) and prints peak memory (RSS).

Targets (issue 7): ≥ 20,000 samples/s and roll-ups ≤ 5 s behind, on 2 cores with SQLite.

    .venv/bin/python bench/metrics.py [--samples 1000000] [--resources 200] [--batch 5000] [--transport http|client]
"""

import argparse
import datetime
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import percentile

ROOT = Path(__file__).resolve().parent.parent


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


class Poster:
    """POSTs a batch as JSON: over loopback HTTP to a WSGI server thread, or through the test client."""

    def __init__(self, transport: str, raw_key: str):
        self.transport, self.headers = transport, {"Authorization": f"Api-Key {raw_key}"}
        if transport == "http":
            from wsgiref.simple_server import WSGIRequestHandler, make_server

            from django.core.wsgi import get_wsgi_application

            class Quiet(WSGIRequestHandler):
                def log_message(self, *args):
                    pass

            self.server = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=Quiet)
            self.port = self.server.server_address[1]
            threading.Thread(target=self.server.serve_forever, daemon=True).start()
        else:
            from django.test import Client

            self.client = Client(HTTP_AUTHORIZATION=self.headers["Authorization"])

    def post(self, batch: list[dict]) -> dict:
        body = json.dumps({"samples": batch})
        if self.transport == "http":
            import http.client

            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            connection.request(
                "POST",
                "/api/v1/provider/metrics/",
                body=body,
                headers={**self.headers, "Content-Type": "application/json", "Host": "localhost"},
            )
            response = connection.getresponse()
            status, payload = response.status, response.read()
            connection.close()
        else:
            response = self.client.post("/api/v1/provider/metrics/", data=body, content_type="application/json")
            status, payload = response.status_code, response.content
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {payload[:300]!r}")
        return json.loads(payload)

    def close(self):
        if self.transport == "http":
            self.server.shutdown()


def run(args) -> dict:
    import django

    django.setup()
    from django.db import close_old_connections, connection
    from django.utils import timezone

    connection.settings_dict["TEST"]["NAME"] = str(Path(args.workdir) / "bench-metrics.sqlite3")
    connection.settings_dict["TEST"]["MIGRATE"] = False
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    from monitoring.metrics import charts, selectors
    from monitoring.metrics.ingest import resource_samples_ingest
    from monitoring.metrics.rollup import resource_rollup
    from monitoring.models import Granularity, ResourceRollup, ResourceSample, RollupCursor

    raw_key, ids = seed(args.resources)
    end = timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=1)

    # 1. the endpoint, with the roll-up running alongside
    committed: list[tuple[float, int]] = []  # (time the batch was answered, highest sample id then)
    covered: list[tuple[float, int]] = []  # (time a roll-up pass finished, cursor position)
    done = threading.Event()

    def roller():
        while not done.is_set():
            resource_rollup()
            covered.append((time.perf_counter(), RollupCursor.objects.get(name="resource_samples").position))
            time.sleep(0.2)
        close_old_connections()

    poster = Poster(args.transport, raw_key)
    thread = threading.Thread(target=roller, daemon=True)
    started = time.perf_counter()
    thread.start()
    accepted = 0
    for batch in batches(ids, args.samples, args.batch, end):
        accepted += poster.post(batch)["accepted"]["samples"]
        committed.append((time.perf_counter(), ResourceSample.objects.latest("pk").pk))
    ingest_s = time.perf_counter() - started
    while RollupCursor.objects.filter(name="resource_samples", position__lt=committed[-1][1]).exists():
        time.sleep(0.05)
    done.set()
    thread.join()
    poster.close()
    lags = []
    for at, upto in committed:
        reached = next((when for when, position in covered if position >= upto), None)
        if reached is not None:
            lags.append(max(0.0, reached - at))
    duplicate = poster_dup = None
    poster_dup = Poster("client", raw_key)
    first = next(batches(ids, args.batch, args.batch, end))
    duplicate = poster_dup.post(first)

    # 2. baseline: the ingestion service alone, same volume, fresh timestamps
    from catalog.models import ComputeResource

    resources = {r.external_id: r for r in ComputeResource.objects.all()}
    later = end + datetime.timedelta(days=-30)
    started = time.perf_counter()
    baseline = 0
    for batch in batches(ids, args.samples, args.batch, later):
        rows = [{**s, "sampled_at": datetime.datetime.fromisoformat(s["sampled_at"])} for s in batch]
        baseline += resource_samples_ingest(resources=resources, samples=rows).accepted
    baseline_s = time.perf_counter() - started

    # 3. every roll-up from scratch
    ResourceRollup.objects.all().delete()
    RollupCursor.objects.filter(name="resource_samples").update(position=0)
    started = time.perf_counter()
    rolled = resource_rollup()
    rollup_s = time.perf_counter() - started

    # 4. dashboard queries
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
    return {
        "samples": args.samples,
        "accepted": accepted,
        "duplicate_batch": duplicate,
        "ingest_s": ingest_s,
        "lag_p50": statistics.median(lags) if lags else None,
        "lag_p95": percentile(lags, 0.95),
        "lag_max": max(lags) if lags else None,
        "baseline": baseline,
        "baseline_s": baseline_s,
        "rollup_s": rollup_s,
        "rolled": [rolled.samples, rolled.hours, rolled.days],
        "rollup_rows": ResourceRollup.objects.count(),
        "queries": queries,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def report(result: dict, transport: str) -> None:
    rate = result["accepted"] / result["ingest_s"]
    base = result["baseline"] / result["baseline_s"]
    print(
        f"   ingested {result['accepted']:,} of {result['samples']:,} samples via {transport}"
        f" in {result['ingest_s']:.1f} s:"
        f" {rate:,.0f} samples/s (target ≥ 20,000: {'met' if rate >= 20_000 else 'NOT met'})"
    )
    print(
        f"   baseline (ingestion service only, no HTTP/JSON/validation): {base:,.0f} samples/s;"
        f" endpoint/baseline = {rate / base:.2f}"
    )
    print(f"   re-sent batch: {result['duplicate_batch']}")
    if result["lag_p50"] is not None:
        print(
            f"   roll-up lag behind ingestion: p50 {result['lag_p50']:.2f} s, p95 {result['lag_p95']:.2f} s,"
            f" max {result['lag_max']:.2f} s (target ≤ 5 s: {'met' if result['lag_max'] <= 5 else 'NOT met'})"
        )
    samples, hours, days = result["rolled"]
    print(
        f"   full roll-up from scratch: {samples:,} samples → {hours} hours, {days} days,"
        f" {result['rollup_rows']:,} rows in {result['rollup_s']:.1f} s"
        f" ({samples / max(result['rollup_s'], 1e-9):,.0f} samples/s)"
    )
    print(f"   {'dashboard query':<36} {'p50 ms':>8} {'p95 ms':>8}")
    for label, timing in result["queries"].items():
        print(f"   {label:<36} {timing['p50']:>8.1f} {timing['p95']:>8.1f}")
    print(f"   peak RSS {result['peak_rss_mb']:.0f} MB")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--resources", type=int, default=200)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--transport", choices=["http", "client"], default="http")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        Path(args.json).write_text(json.dumps(run(args)))
        return 0
    print(
        f"bench-metrics: {args.samples:,} samples, {args.resources} resources, batches of {args.batch};"
        f" {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-metrics-") as workdir:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test", "PYTHONPATH": str(ROOT)}
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(Path(workdir) / "unused.sqlite3")
        env["API_THROTTLE_PROVIDER"] = "1000000/minute"
        out = Path(workdir) / "result.json"
        command = [sys.executable, __file__, "--child", "--workdir", workdir, "--json", str(out)]
        command += ["--samples", str(args.samples), "--resources", str(args.resources), "--batch", str(args.batch)]
        command += ["--queries", str(args.queries), "--transport", args.transport]
        completed = subprocess.run(command, env=env, cwd=ROOT, check=False)
        if completed.returncode or not out.exists():
            print(f"FAILED (exit {completed.returncode})")
            return 1
        report(json.loads(out.read_text()), args.transport)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
