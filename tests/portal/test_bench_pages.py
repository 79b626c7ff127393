"""`make bench-pages` at a tiny size, so that the benchmark cannot rot (it prints figures; no timing is asserted)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.own_databases
def test_bench_pages_runs_and_reports_every_page_without_errors():
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "pages.py"), "--seconds", "0.5", "--concurrency", "2", "--no-baseline"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    rows = dict(
        re.findall(r"^(home|notice|catalogue|resource)\s+(\d+\s+\d+\s+[\d.]+\s+[\d.]+\s+\d+)", result.stdout, re.M)
    )
    assert set(rows) == {"home", "notice", "catalogue", "resource"}
    for figures in rows.values():
        requests, _rps, _p50, _p95, errors = figures.split()
        assert int(requests) > 0 and int(errors) == 0
