"""`make run`'s path end to end: a freshly migrated SQLite file (bench.migrated: `migrate` on an empty
file, made once per migration content), `migrate` again, reference data, seed twice, serve with daphne."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bench.migrated import migrated_copy

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def test_fresh_database_seeded_twice_and_served_by_daphne(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL")},
        "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
        "SQLITE_PATH": str(tmp_path / "run.sqlite3"),
        "DEBUG": "false",
    }
    manage = [sys.executable, "manage.py"]
    migrated_copy(tmp_path / "run.sqlite3")
    for command in (["migrate", "--noinput"], ["load_reference_data"], ["seed_demo"], ["seed_demo"]):
        result = subprocess.run(manage + command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
    assert "Node-demo-2026!" in result.stdout

    port = free_port()
    daphne = Path(sys.executable).with_name("daphne")
    server = subprocess.Popen(
        [str(daphne), "-b", "127.0.0.1", "-p", str(port), "portal.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.3)
        status, html = get(f"{base}/")
        assert status == 200
        assert "本节点是国家算力互联互通节点体系" in html
        assert get(f"{base}/cms/login/")[0] == 200
        assert get(f"{base}/django-admin/login/")[0] == 200
        assert get(f"{base}/api/docs/")[0] == 200
        assert get(f"{base}/api/schema/")[0] == 200
        assert get(f"{base}/static/css/site.css")[0] == 200
    finally:
        server.terminate()
        server.wait(timeout=20)
