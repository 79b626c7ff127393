"""`make bench-staleness` at a tiny size, so the benchmark cannot rot: two writer processes, one
searching process; nothing may be missed (it prints figures; nothing here is timed)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_bench_staleness_runs_end_to_end_and_misses_nothing():
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "staleness.py"), "--size", "400", "--status-changes", "40"]
        + ["--rate", "40", "--import-rows", "200", "--import-seconds", "0.5", "--only", "sqlite"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "== sqlite: 400 resources" in completed.stdout
    assert "(240 changes); misses 0" in completed.stdout
