"""make bench-federation cannot rot: run it at a tiny size (it prints figures; nothing here is timed)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


# The bench's nodes run on throwaway SQLite files without DATABASE_URL/REDIS_URL (bench/federation.py SWITCHES):
# the PostgreSQL + Redis pass would run exactly the same again.
@pytest.mark.slow
@pytest.mark.own_databases
def test_bench_federation_runs_at_a_tiny_size():
    completed = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "federation.py"),
            *("--identifiers", "8", "--sync", "60", "--changes", "8", "--rate", "20", "--outage", "2", "--grace", "60"),
            # BENCH_BASE_PORT: where a shared machine wants the three servers (else free ports)
            *(("--base-port", os.environ["BENCH_BASE_PORT"]) if os.environ.get("BENCH_BASE_PORT") else ()),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )

    out = completed.stdout
    assert completed.returncode == 0, out + completed.stderr
    assert "national, cold (national→regional→industry)  n=8" in out
    assert "initial sync industry → regional: N=60 resources" in out
    assert re.search(r"catalogue_resync [0-9.]+ s = [0-9,]+ records/s", out)
    assert "regional selection counts 60 of N under 来源节点 CN.510000.C15" in out
    assert "status-change lag: 8 changes at 20/s" in out
    for watcher in ("regional selection", "national selection", "regional websocket"):
        assert re.search(rf"  {watcher} +p50 +[0-9]+ ms +p95 +[0-9]+ ms +max +[0-9]+ ms +lost 0", out), out
    assert "lost: websocket 0; duplicated: websocket 0, regional feed +0, national feed +0" in out
    assert re.search(r"catch-up after restart, regional selection +[0-9.]+ s", out), out
    assert re.search(r"catch-up after restart, national selection +[0-9.]+ s", out), out
    assert out.count("lost: websocket 0; duplicated: websocket 0, regional feed +0, national feed +0") == 2
