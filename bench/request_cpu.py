"""Server CPU per request of one kind of `make bench-load`'s mix, measured in one process (no server, no
network), and where it goes: ``python bench/request_cpu.py --workdir DIR --kind patch --count 200 [--profile 25]``.

DIR is a directory prepared by ``bench/load.py --workdir DIR`` (the seeded database and the collected static
files are reused; the database is copied, so DIR is never changed). The requests are the load generator's own
(bench/loadgen.py, the same filters and PATCH bodies), sent through Django's test client under
``portal.settings.production`` with per-process caches (no REDIS_URL): the view, middleware and service work
of a request, without the ASGI server's share. It prints the CPU milliseconds per request (process time),
the database queries per request, and with ``--profile N`` the N functions with the most cumulative time
(cProfile). The first ``--warm`` requests (default 20) are not counted.
"""

import argparse
import cProfile
import io
import os
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from load import _env
from loadgen import HOST, _requests

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("page", "search", "select", "patch")


def _stream(plan: dict, kind: str, seed: int):
    for wanted, method, path, body in _requests(plan, random.Random(seed)):
        if wanted == kind:
            yield method, path, body


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True, help="prepared by bench/load.py --workdir")
    parser.add_argument("--kind", choices=KINDS, required=True)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--warm", type=int, default=20)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--profile", type=int, default=0, help="print the N most expensive functions")
    args = parser.parse_args(argv)

    import json

    plan = json.loads((args.workdir / "plan.json").read_text())
    scratch = Path(tempfile.mkdtemp(prefix="request-cpu-"))
    try:
        shutil.copyfile(args.workdir / "bench.sqlite3.prepared", scratch / "bench.sqlite3")
        env = _env(scratch, settings="portal.settings.production")
        env["STATIC_ROOT"] = str(args.workdir / "static")
        env.pop("REDIS_URL", None)
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        client = Client(HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https", HTTP_ACCEPT_LANGUAGE="zh-CN")
        auth = {"HTTP_AUTHORIZATION": f"Api-Key {plan['api_key']}"}

        def send(method, path, body):
            if method == "PATCH":
                return client.patch(path, body, content_type="application/json", **auth)
            return client.get(path)

        stream = _stream(plan, args.kind, args.seed)
        for _ in range(args.warm):
            send(*next(stream))
        requests = [next(stream) for _ in range(args.count)]
        profiler = cProfile.Profile() if args.profile else None
        cpu, queries, statuses, hits = [], [], {}, 0
        for method, path, body in requests:
            with CaptureQueriesContext(connection) as captured:
                if profiler:
                    profiler.enable()
                started = time.process_time()
                response = send(method, path, body)
                cpu.append((time.process_time() - started) * 1000)
                if profiler:
                    profiler.disable()
            queries.append(len(captured.captured_queries))
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            hits += response.get("X-Portal-Cache") == "hit"
        print(
            f"{args.kind}: {len(cpu)} requests, CPU {statistics.mean(cpu):.1f} ms/request"
            f" (p50 {statistics.median(cpu):.1f}), {statistics.mean(queries):.1f} queries/request,"
            f" statuses {statuses}, page-cache hits {hits}"
            + ("  [profiled: times include cProfile overhead]" if profiler else "")
        )
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.profile)
            print(out.getvalue())
        return 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
