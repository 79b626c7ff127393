"""`make bench-live` at a very small size, so the benchmark cannot rot: daphne on loopback, 20
websocket clients, status changes from another process; nothing may be lost."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_bench_live_runs_end_to_end_and_loses_nothing():
    completed = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "live.py"),
            "--clients",
            "20",
            "--resources",
            "10",
            "--keys",
            "5",
            "--changes",
            "10",
            "--rate",
            "10",
            "--grace",
            "10",
        ],
        capture_output=True,
        text=True,
        timeout=1200,
        cwd=ROOT,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "lost 0" in completed.stdout
    assert "commit -> receipt latency ms: p50" in completed.stdout
    assert "server peak RSS:" in completed.stdout
