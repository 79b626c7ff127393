"""What every benchmark script shares: nearest-rank percentiles, a free loopback port, a process's peak RSS.

The scripts run as ``python bench/<name>.py``, so this module is imported as ``common``.
"""

import math
import socket
from pathlib import Path


def percentile(values, fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` in 0..1) of ``values``; NaN when there are none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered), max(1, math.ceil(fraction * len(ordered)))) - 1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def peak_rss_mb(pid: int) -> float:
    """The high-water mark of a live process's resident memory (Linux ``VmHWM``), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")
