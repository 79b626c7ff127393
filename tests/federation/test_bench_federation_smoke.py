"""make bench-federation cannot rot: run it at a tiny size (it prints figures; nothing here is timed)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_bench_federation_runs_at_a_tiny_size():
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "federation.py"), "--identifiers", "8", "--sync", "60"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )

    out = completed.stdout
    assert completed.returncode == 0, out + completed.stderr
    assert "national, cold (national→regional→industry)  n=8" in out
    assert "initial sync industry → regional: N=60 resources" in out
    assert re.search(r"catalogue_resync [0-9.]+ s = [0-9,]+ records/s", out)
    assert "regional selection counts 60 of N under 来源节点 CN.510000.C15" in out
