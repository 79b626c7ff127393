"""make bench-import at a tiny size, so that the benchmark script cannot rot (not a timing test)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_bench_import_runs_at_a_tiny_size():
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "imports.py"), "--rows", "200", "--defaults-rows", "100"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    out = completed.stdout
    assert "project fast path" in out and "import-export defaults" in out and "rows/s" in out
    assert "same records and versions on the common 100 rows: yes" in out
    assert "[defaults measured on the first 100 rows]" in out
