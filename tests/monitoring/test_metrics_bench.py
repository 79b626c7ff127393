"""bench/metrics.py runs at a tiny size (so that `make bench-metrics` cannot rot)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.own_databases
def test_bench_metrics_runs_at_a_small_size():
    result = subprocess.run(
        [
            sys.executable,
            "bench/metrics.py",
            "--samples",
            "600",
            "--resources",
            "6",
            "--batch",
            "200",
            "--queries",
            "2",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ingested 600 of 600 samples via http" in result.stdout
    assert "'duplicates': {'samples': 200" in result.stdout
    assert "roll-ups by the worker" in result.stdout  # manage.py run_worker, as under make run
    assert "roll-up behind ingestion at most" in result.stdout
    # the posted samples and each capacity snapshot the worker's whole job took (one per resource)
    assert re.search(r"full roll-up from scratch: 1,2(00|06|12) samples", result.stdout)
    assert "capacity_cards (hourly, 7 days)" in result.stdout
