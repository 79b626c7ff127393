"""`make deploy-check`: the production deploy path, end to end, in a temporary directory.

Under ``portal.settings.production`` with a throwaway SECRET_KEY and ALLOWED_HOSTS, it does what the
README's production section tells an operator to do — ``migrate`` (starting from the cached migrated
template of bench/migrated.py), ``load_reference_data``, ``portal_setup`` plus a notice and a listed
resource (deploy/content.py: production refuses demo data), ``collectstatic`` — then starts the server
with deploy/serve.sh, exactly as ``make serve-prod`` does (several uvicorn worker processes, REDIS_URL
from a throwaway redis-server when one is installed), and requests, with ``X-Forwarded-Proto: https`` as
the TLS proxy sends it: the home page (Chinese and English), a notice, the catalogue, a record page,
/select/, the login pages (site, /cms/ after its redirect, /django-admin/), /api/docs/, /api/schema/, a
collected static file, and a websocket round trip on ws/ping/ — each must answer 200 (101 for the
socket) — and a request with a Host outside ALLOWED_HOSTS, which must answer 400. Last, /metrics (scrape
token) must count every request the workers answered, whichever worker serves the scrape.

Prints every step and check; exits non-zero at the first failing step or if any check misses. Nothing
outside the temporary directory is written (SQLite; DATABASE_URL / REDIS_URL / ELASTICSEARCH_URL of the
calling shell are ignored). ``--port`` / ``--redis-port`` choose the loopback ports (default: free ones).
"""

import argparse
import asyncio
import base64
import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from common import Redis, free_port, worker_processes  # noqa: E402
from migrated import migrated_copy  # noqa: E402

HOST = "node.example.cn"
PYTHON = sys.executable
WORKERS = 2


class CheckFailed(Exception):
    pass


def production_env(workdir: Path, *, redis_url: str) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL"}}
    env = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "SECRET_KEY": "deploy-check-" + secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": HOST,
        "ORDER_ACCESS_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "FEDERATION_SEALING_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "SQLITE_PATH": str(workdir / "db.sqlite3"),
        "STATIC_ROOT": str(workdir / "static"),
        "MEDIA_ROOT": str(workdir / "media"),
        "PRIVATE_MEDIA_ROOT": str(workdir / "private"),
        "PYTHONPATH": str(ROOT),
        "PYTHON": PYTHON,
        "LOG_LEVEL": "WARNING",
        "METRICS_SCRAPE_TOKEN": SCRAPE_TOKEN,
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def step(title: str, command: list[str], env: dict[str, str]) -> str:
    started = time.perf_counter()
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        print(f"FAIL  {title} ({seconds:.1f} s): exit {result.returncode}")
        print("\n".join("      " + line for line in (result.stdout + result.stderr).strip().splitlines()[-25:]))
        raise CheckFailed(title)
    last = (result.stdout.strip().splitlines() or [""])[-1]
    print(f"ok    {title} ({seconds:.1f} s){': ' + last if last else ''}")
    return result.stdout


SCRAPE_TOKEN = secrets.token_urlsafe(24)
answered = [0]  # requests the server answered so far (each on its own connection)


def request(
    port: int, path: str, *, host: str = HOST, follow: bool = False, headers: dict | None = None
) -> tuple[int, bytes, str]:
    """One GET as the TLS proxy forwards it; with ``follow``, same-site redirects are followed."""
    trail = path
    for _ in range(5):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            connection.request(
                "GET",
                path,
                headers={"Host": host, "X-Forwarded-Proto": "https", "Accept-Language": "zh-CN", **(headers or {})},
            )
            response = connection.getresponse()
            body = response.read()
            answered[0] += 1
        finally:
            connection.close()
        location = response.getheader("Location")
        if follow and response.status in (301, 302, 303, 307, 308) and location:
            target = urlsplit(location)
            if target.netloc not in ("", host):
                return response.status, body, f"{trail} -> {location} (another site)"
            path = target.path + (f"?{target.query}" if target.query else "")
            trail += f" -> {path}"
            continue
        return response.status, body, trail
    return response.status, body, trail + " (too many redirects)"


async def websocket_ping(port: int) -> str:
    import websockets

    async with websockets.connect(  # the node's name in Host and Origin, the socket to loopback
        f"ws://{HOST}:{port}/ws/ping/",
        host="127.0.0.1",
        port=port,
        additional_headers={"X-Forwarded-Proto": "https"},
        origin=f"https://{HOST}",
        open_timeout=20,
    ) as socket:
        await socket.send(json.dumps({"ping": "deploy-check"}))
        return await asyncio.wait_for(socket.recv(), 20)


def wait_ready(port: int, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CheckFailed(f"the server exited with {process.returncode} before answering")
        with contextlib.suppress(OSError):
            if request(port, "/healthz")[0] == 200:
                return
        time.sleep(0.3)
    raise CheckFailed(f"the server did not answer /healthz within {seconds:.0f} s")


def checks(port: int, notice: str, resource: str, static_css: str) -> list[tuple[str, str, int]]:
    """(label, path, expected status); paths with follow=True are prefixed by '~'."""
    return [
        ("home page", "/", 200),
        ("home page (English)", "/en/", 200),
        ("a notice", notice, 200),
        ("the catalogue", "/catalog/", 200),
        ("a record page", f"/catalog/r/{resource}/", 200),
        ("selection", "/select/", 200),
        ("selection, filtered", "/select/?resource_class=intelligent&sort=price", 200),
        ("site login page", "/accounts/login/", 200),
        ("site login page (English)", "/en/accounts/login/", 200),
        ("Wagtail admin: login redirect followed", "~/cms/", 200),
        ("Django admin: login redirect followed", "~/django-admin/", 200),
        ("API docs", "/api/docs/", 200),
        ("OpenAPI schema", "/api/schema/", 200),
        ("search API", "/api/v1/search/resources/?resource_class=intelligent", 200),
        ("a collected static file (hashed name)", static_css, 200),
        ("health", "/healthz", 200),
    ]


def run(args) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="deploy-check-"))
    failures: list[str] = []
    print(f"deploy check in {workdir} (settings portal.settings.production, ALLOWED_HOSTS={HOST})")
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, workdir, True)
        redis_url = ""
        if shutil.which("redis-server"):
            redis_url = stack.enter_context(Redis(args.redis_port)).url
            print(f"ok    throwaway redis-server for REDIS_URL: {redis_url}")
        else:
            print("note  no redis-server installed: the workers run with per-process cache and channel layer")
        env = production_env(workdir, redis_url=redis_url)
        manage = [PYTHON, str(ROOT / "manage.py")]
        try:
            migrated_copy(workdir / "db.sqlite3")
            step("migrate", [*manage, "migrate", "--noinput"], env)
            step("load_reference_data", [*manage, "load_reference_data"], env)
            content = [PYTHON, str(ROOT / "deploy" / "content.py")]
            out = step("portal_setup + a notice and a listed resource", content, env)
            notice = re.search(r"^NOTICE (\S+)$", out, re.M).group(1)
            resource = re.search(r"^RESOURCE (\S+)$", out, re.M).group(1)
            step("collectstatic", [*manage, "collectstatic", "--noinput"], env)
            manifest = json.loads((workdir / "static" / "staticfiles.json").read_text())["paths"]
            static_css = "/static/" + manifest["css/site.css"]
        except CheckFailed as failed:
            print(f"\nDEPLOY CHECK FAILED at: {failed}")
            return 1

        port = args.port or free_port()
        server = subprocess.Popen(
            [str(ROOT / "deploy" / "serve.sh")],
            env={
                **env,
                "HOST": "127.0.0.1",
                "PORT": str(port),
                "WEB_CONCURRENCY": str(WORKERS),
                "PROMETHEUS_MULTIPROC_DIR": str(workdir / "prometheus"),
            },
            cwd=ROOT,
            stdout=open(workdir / "server.log", "w"),  # noqa: SIM115 (closed with the directory)
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

        def stop_server():
            if server.poll() is None:
                server.send_signal(signal.SIGTERM)
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
                    server.wait()

        stack.callback(stop_server)
        try:
            started = time.perf_counter()
            wait_ready(port, server)
            time.sleep(1)  # let every worker come up
            workers = len(worker_processes(server.pid))
            seconds = time.perf_counter() - started
            print(f"ok    deploy/serve.sh on 127.0.0.1:{port} ({seconds:.1f} s): uvicorn, {workers} worker processes")
            if workers < WORKERS:
                failures.append(f"expected {WORKERS} worker processes, found {workers}")
        except CheckFailed as failed:
            print(f"FAIL  start the server: {failed}")
            print((workdir / "server.log").read_text()[-3000:])
            return 1

        for label, path, expected in checks(port, notice, resource, static_css):
            follow = path.startswith("~")
            status, body, trail = request(port, path.lstrip("~"), follow=follow)
            ok = status == expected
            print(f"{'ok  ' if ok else 'FAIL'}  {status} {label}: {trail}")
            if not ok:
                failures.append(f"{label}: {trail} answered {status}, expected {expected}")
                snippet = body[:300].decode("utf-8", "replace").replace("\n", " ")
                print(f"      {snippet}")
        status, _body, trail = request(port, "/", host="attacker.example")
        ok = status == 400
        print(f"{'ok  ' if ok else 'FAIL'}  {status} a Host outside ALLOWED_HOSTS answers 400: {trail}")
        if not ok:
            failures.append(f"bad Host header answered {status}, expected 400")
        try:
            answer = asyncio.run(websocket_ping(port))
            ok = json.loads(answer).get("pong") == "deploy-check"
            print(f"{'ok  ' if ok else 'FAIL'}  101 websocket ws/ping/ round trip: {answer}")
        except Exception as error:  # any failure of the socket is a failed check, printed
            ok = False
            print(f"FAIL  websocket ws/ping/: {error!r}")
        if not ok:
            failures.append("websocket round trip on ws/ping/")

        # /metrics adds up every worker: the requests counted cover all those answered before the scrape
        before = answered[0]
        status, body, _trail = request(port, "/metrics", headers={"Authorization": f"Bearer {SCRAPE_TOKEN}"})
        counted = sum(
            float(value)
            for value in re.findall(rb"^node_http_request_duration_seconds_count\{[^}]*\} (\S+)$", body, re.M)
        )
        ok = status == 200 and counted >= before
        print(f"{'ok  ' if ok else 'FAIL'}  {status} /metrics counts {counted:.0f} requests of the {before} answered")
        if not ok:
            failures.append(f"/metrics counted {counted:.0f} requests of the {before} the workers answered")

        if server.poll() is not None:
            failures.append(f"the server exited with {server.returncode} during the checks")
        # Django logs every refused Host with its traceback (django.security.DisallowedHost): expected here
        refused_host = r"(?ms)^\S+ \S+ ERROR django\.security\.DisallowedHost .*?^django\.core\.exceptions\.Disal"
        log = re.sub(refused_host + r"lowedHost: [^\n]*\n", "", (workdir / "server.log").read_text())
        if "Traceback" in log:
            failures.append("the server logged a traceback (below)")
            print(log[-4000:])
    if failures:
        print(f"\nDEPLOY CHECK FAILED: {len(failures)} problem(s)")
        for failure in failures:
            print(f"  - {failure}")
        return 1
    print("\nDEPLOY CHECK PASSED")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="loopback port of the server (default: a free one)")
    parser.add_argument("--redis-port", type=int, default=0, help="port of the throwaway redis-server")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
