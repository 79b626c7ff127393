"""make bench-import at a tiny size, so that the benchmark script cannot rot (not a timing test).

Tables come straight from the models (the bench's default ``--schema models``), so the whole run
costs three Django start-ups and a few hundred rows, not a full migration."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_bench_import_runs_at_a_tiny_size_and_prints_its_figures():
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "imports.py"), "--rows", "300", "--defaults-rows", "100"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    out = completed.stdout
    assert "load average" in out and "tables from the models" in out
    assert "project fast path" in out and "import-export defaults" in out and "rows/s" in out
    assert "peak RSS" in out and "CPU:" in out and "ratio fast / defaults" in out
    assert "same records and versions on the common 100 rows: yes" in out
    assert "[defaults measured on the first 100 rows]" in out
    assert "300 rows unchanged, no new versions" in out
    assert "targets: rows/s >= 10,000" in out
