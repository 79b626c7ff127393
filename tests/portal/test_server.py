"""`make run`'s path end to end: a freshly migrated SQLite file (bench.migrated: `migrate` on an empty
file, made once per migration content), `migrate` again, reference data, seed twice, serve with daphne,
with `make run`'s environment (no DEBUG set): static files are served and no answer is a DEBUG page;
and the worker beside it (`manage.py run_worker`) working off what the seed queued."""

import http.cookiejar
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bench.migrated import migrated_copy

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.own_databases]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


TECHNICAL = ("Using the URLconf defined in", "DEBUG = True", "Traceback", "Request Method:")


def get(url: str, opener=None, **headers: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def sign_in(base: str, username: str, password: str):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    _, html = get(f"{base}/accounts/login/", opener)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    body = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
    request = urllib.request.Request(f"{base}/accounts/login/", data=body.encode(), headers={"Referer": base + "/"})
    with opener.open(request, timeout=10) as response:
        assert response.url.endswith("/me/"), response.url
    return opener


def house_page(answer: tuple[int, str], status: int) -> str:
    assert answer[0] == status
    assert '<header class="site-header">' in answer[1]
    for marker in TECHNICAL:
        assert marker not in answer[1], marker
    return answer[1]


def test_fresh_database_seeded_twice_and_served_by_daphne(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL")},
        "DJANGO_SETTINGS_MODULE": "portal.settings.dev",
        "SQLITE_PATH": str(tmp_path / "run.sqlite3"),
    }
    env.pop("DEBUG", None)  # `make run` sets nothing: DEBUG is off unless a developer sets it
    manage = [sys.executable, "manage.py"]
    migrated_copy(tmp_path / "run.sqlite3")
    seeded = ""
    for command in (["migrate", "--noinput"], ["load_reference_data"], ["seed_demo"], ["seed_demo"]):
        result = subprocess.run(manage + command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        seeded += result.stdout
    assert "Node-demo-2026!" in result.stdout
    sichuan_application = re.search(r"application (JD2026-51-I\d+)", seeded).group(1)

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
        assert get(f"{base}/static/wagtailadmin/css/core.css")[0] == 200  # apps' static files too
        assert get(f"{base}/static/admin/css/base.css")[0] == 200

        # No DEBUG page: a missing URL, a bad Host, another province's application
        assert "页面不存在" in house_page(get(f"{base}/no-such-page/"), 404)
        assert "Page not found" in house_page(get(f"{base}/en/no-such-page/"), 404)
        assert "请求有误" in house_page(get(f"{base}/", Host="evil.example"), 400)
        hebei = sign_in(base, "applicant_hebei", "Node-demo-2026!")
        house_page(get(f"{base}/applications/{sichuan_application}/", hebei), 404)
        _worker_works_off_the_queue(env, tmp_path / "run.sqlite3", base)
    finally:
        server.terminate()
        server.wait(timeout=20)


def _tasks(db: Path) -> dict[tuple[str, str], int]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT task_path, status, COUNT(*) FROM django_tasks_database_dbtaskresult GROUP BY 1, 2"
        ).fetchall()
    return {(path, status): count for path, status, count in rows}


def _worker_works_off_the_queue(env: dict, db: Path, base: str) -> None:
    """Wagtail's own tasks (the seed's site-search index updates) wait in the queue until the worker
    runs them; the worker also starts the periodic roll-ups at once."""
    assert any(status == "READY" for _, status in _tasks(db))
    worker = subprocess.Popen([sys.executable, "manage.py", "run_worker"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            tasks = _tasks(db)
            done = ("monitoring.tasks.metrics_rollup", "SUCCESSFUL") in tasks
            if done and not any(
                status in ("READY", "RUNNING")
                for (path, status) in tasks
                if path.startswith(("wagtail", "modelsearch"))
            ):
                break
            time.sleep(0.3)
        assert ("monitoring.tasks.metrics_rollup", "SUCCESSFUL") in tasks
        assert not any(status == "FAILED" for _, status in tasks), tasks
        status, html = get(f"{base}/site-search/?q=%E8%8A%82%E7%82%B9%E5%BB%BA%E8%AE%BE")  # 节点建设
        assert status == 200 and "关于组织开展国家算力互联互通节点建设工作的通知" in html
    finally:
        worker.terminate()
        assert worker.wait(timeout=30) == 0


def _group(pgid: int) -> list[str]:
    listed = subprocess.run(["pgrep", "-g", str(pgid), "-a"], capture_output=True, text=True).stdout
    return listed.splitlines()


def _worker_pid(pgid: int) -> int | None:
    for line in _group(pgid):
        pid, command = line.split(" ", 1)
        if command.endswith("manage.py run_worker") and "python" in command.split()[0]:
            return int(pid)
    return None


def test_make_serve_runs_the_worker_beside_daphne_and_ctrl_c_stops_both(tmp_path):
    """`make run` ends in `make serve`: daphne and a worker; a worker killed with SIGKILL comes back, and
    Ctrl-C (SIGINT to the terminal's process group) stops everything."""
    migrated_copy(tmp_path / "serve.sqlite3")
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL")},
        "SQLITE_PATH": str(tmp_path / "serve.sqlite3"),
        "DEBUG": "false",
    }
    port = free_port()
    make = subprocess.Popen(
        ["make", "--no-print-directory", "serve", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        start_new_session=True,  # its own process group, as a terminal's foreground job
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while _worker_pid(make.pid) is None or not _healthy(port):
            assert time.monotonic() < deadline, _group(make.pid)
            time.sleep(0.3)
        first = _worker_pid(make.pid)
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while _worker_pid(make.pid) in (None, first):
            assert time.monotonic() < deadline, "the worker was not restarted"
            time.sleep(0.2)
        assert _healthy(port)  # daphne never noticed
        os.killpg(make.pid, signal.SIGINT)
        make.wait(timeout=60)
        time.sleep(0.5)
        assert _group(make.pid) == []
    finally:
        if make.poll() is None or _group(make.pid):
            os.killpg(make.pid, signal.SIGKILL)
            make.wait(timeout=10)


def _healthy(port: int) -> bool:
    try:
        return get(f"http://127.0.0.1:{port}/healthz")[0] == 200
    except OSError:
        return False
