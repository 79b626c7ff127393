"""make bench-holds cannot rot: run it at a tiny size on SQLite (it prints figures; nothing here is timed)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.own_databases
def test_bench_holds_runs_at_a_tiny_size():
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "holds.py"), "--buyers", "20", "--cards", "5", "--expiring", "200"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "== sqlite: 20 buyers (20 at once) for 5 cards" in completed.stdout
    assert "oversold: 0  (held 5 of 5; counter agrees with the holds: True)" in completed.stdout
    assert "200 holds expired" in completed.stdout and "(left held: 0)" in completed.stdout
