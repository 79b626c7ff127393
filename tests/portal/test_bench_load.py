"""`make bench-load` for a few seconds at a low rate, so that the benchmark cannot rot (it prints figures; no
timing is asserted): both topologies start, every kind of request is sent, and none fails."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.own_databases
def test_bench_load_drives_both_topologies_without_errors():
    ports = []  # loopback ports may be fixed by the caller (shared machines); free ones otherwise
    if os.environ.get("BENCH_LOAD_PORT"):
        ports = ["--port", os.environ["BENCH_LOAD_PORT"], "--redis-port", os.environ["BENCH_LOAD_REDIS_PORT"]]
    result = subprocess.run(
        [sys.executable, "bench/load.py", "--rate", "8", "--duration", "3", "--warmup", "1", *ports],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sections = re.split(r"^\((?:a|b)\) ", result.stdout, flags=re.M)[1:]
    assert [section.split(":", 1)[0] for section in sections] == ["make run's server", "production topology"]
    for section in sections:
        rows = dict(re.findall(r"^\s+(page|search|select|patch|all)\s+(\d+\s+\d+)", section, re.M))
        assert set(rows) == {"page", "search", "select", "patch", "all"}, section
        requests, errors = map(int, rows["all"].split())
        assert requests == 24 and errors == 0, section
        assert re.search(r"server: \d+ serving process\(es\) of \d+, RSS peak \d+ MB", section)
