"""What every benchmark script shares: nearest-rank percentiles, a free loopback port, a process's peak RSS.

The scripts run as ``python bench/<name>.py``, so this module is imported as ``common``.
"""

import contextlib
import math
import os
import shutil
import socket
import subprocess
import time
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


def _status_mb(pid: int, field: str, missing: float) -> float:
    """A memory field (``VmHWM``, ``VmRSS``) of a live process's /proc status, in MB; ``missing`` if gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return missing


def peak_rss_mb(pid: int) -> float:
    """The high-water mark of a live process's resident memory (Linux ``VmHWM``), in MB."""
    return _status_mb(pid, "VmHWM", float("nan"))


class Redis:
    """A throwaway redis-server on a free (or the given) loopback port, no persistence."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.process = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def __enter__(self):
        server = shutil.which("redis-server")
        if server is None:
            raise RuntimeError("needs redis-server (apt-get install redis-server)")
        self.process = subprocess.Popen(
            [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError("redis-server did not start")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (Linux /proc), e.g. a server's master and its workers."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                queue.extend(int(child) for child in (task / "children").read_text().split())
    return found


def rss_mb(pid: int) -> float:
    """The current resident memory of a live process (Linux ``VmRSS``), in MB; 0 when it is gone."""
    return _status_mb(pid, "VmRSS", 0.0)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def worker_processes(pid: int) -> list[int]:
    """The uvicorn workers under the server (spawned processes; not multiprocessing's resource tracker)."""
    workers = []
    for child in process_tree(pid)[1:]:
        with contextlib.suppress(OSError):
            command = Path(f"/proc/{child}/cmdline").read_bytes()
            if b"spawn_main" in command and b"resource_tracker" not in command:
                workers.append(child)
    return workers
