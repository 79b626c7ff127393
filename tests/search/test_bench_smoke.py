"""make bench-search cannot rot: run it at a tiny size (it prints figures; nothing here is timed)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_bench_search_runs_at_a_tiny_size():
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "search.py"), "--size", "500", "--queries", "40"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "== sqlite: 500 resources" in completed.stdout
    assert "database backend" in completed.stdout and "naive ORM baseline" in completed.stdout
    assert "same hits, counts and facets in 40/40 queries" in completed.stdout
