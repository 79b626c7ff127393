"""Two real nodes on loopback: an identifier issued on a regional node ends up filed on the national
node, including after the national node was down for a while (issue 3, item 6).

Each node is a separate daphne process with its own throwaway SQLite file (SQLITE_PATH under
tmp_path; DATABASE_URL and REDIS_URL are removed from the children's environment), so the test
runs the same on the SQLite and the PostgreSQL CI passes and under pytest-xdist (free ports).
The regional node's outbox is drained with the real ``federation_drain`` command.
"""

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "two-server-test-token"

ISSUE_SCRIPT = """
from catalog import services
from catalog.models import ComputeResource, Identifier, Provider, Site
from organizations.models import Organization
from organizations.uscc import make_uscc

organization = Organization.objects.create(
    name="两节点测试算力有限公司", kind="enterprise", province_id="510000", city_id="510100",
    uscc=make_uscc(division="510100", body="MA6TWN01"), registered_capital=100_000_000,
)
provider = Provider.objects.create(organization=organization, onboarding_state="certified", is_resource_provider=True)
site = Site.objects.create(provider=provider, code="S1", name="测试数据中心", province_id="510000", city_id="510100")
resource = ComputeResource.objects.create(
    provider=provider, site=site, external_id="R-1", name="A100 集群（两节点测试）", resource_class="intelligent",
    accelerators_per_node=8, node_count=2, price_yuan="10.00", listing_state="pending",
)
services.record_approve(record=resource, actor=None, reason="两节点测试")
print("IDENTIFIER=" + Identifier.objects.get(resource=resource).code)
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(db: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL", "UPSTREAM_NODE_URL", "NODE_ROLE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.test",
        SQLITE_PATH=str(db),
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="WARNING",
        **extra,
    )
    return env


def _manage(env: dict[str, str], *args: str, timeout: int = 900) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


class Node:
    """One node: its database file, its environment and (while up) its daphne process."""

    def __init__(self, name: str, db: Path, **env: str):
        self.name, self.db, self.port = name, db, _free_port()
        self.env = _env(db, ALLOWED_HOSTS="127.0.0.1", **env)
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.log = db.with_suffix(".log")

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "portal.asgi:application"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"{self.name} node exited:\n{self.log.read_text(errors='replace')}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        pytest.fail(f"{self.name} node did not answer on {self.url}:\n{self.log.read_text(errors='replace')}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)
        self.process = None

    def query(self, sql: str, *params) -> list[tuple]:
        connection = sqlite3.connect(self.db, timeout=20)
        try:
            return connection.execute(sql, params).fetchall()
        finally:
            connection.close()

    def get_json(self, path: str) -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")


def _copy_database(source: Path, target: Path) -> None:
    """A consistent copy of a WAL-mode SQLite file (the backup API, not a file copy)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


@pytest.fixture
def nodes(tmp_path):
    template = tmp_path / "migrated.sqlite3"
    _manage(_env(template), "migrate", "--noinput", timeout=1800)
    national = Node(
        "national",
        tmp_path / "national.sqlite3",
        NODE_ROLE="national",
        FEDERATION_INBOUND_TOKENS=TOKEN,
    )
    regional = Node(
        "regional",
        tmp_path / "regional.sqlite3",
        NODE_ROLE="regional",
        NODE_IDENTIFIER_PREFIX="CN.510000",
        UPSTREAM_NODE_URL=national.url,
        UPSTREAM_NODE_TOKEN=TOKEN,
        OUTBOX_BACKOFF_BASE_SECONDS="600",  # long enough that a loaded machine never makes it due early
        UPSTREAM_TIMEOUT_SECONDS="3",
    )
    _copy_database(template, national.db)
    _copy_database(template, regional.db)
    yield regional, national
    regional.stop()
    national.stop()
    for node in (regional, national):
        if node.log.exists() and os.environ.get("TWO_SERVER_KEEP_LOGS"):
            shutil.copy(node.log, ROOT / "var" / node.log.name)


def _outbox(regional: Node) -> tuple[str, int, str, str]:
    (row,) = regional.query("SELECT status, attempts, last_error, next_attempt_at FROM federation_outboxmessage")
    return row


def test_identifier_issued_on_a_regional_node_is_filed_on_the_national_node_after_an_outage(nodes):
    regional, national = nodes
    regional.start()  # the national node is down

    output = _manage(regional.env, "shell", "-c", ISSUE_SCRIPT)
    code = next(line.split("=", 1)[1] for line in output.splitlines() if line.startswith("IDENTIFIER="))
    assert code.startswith("CN.510000/")
    assert regional.query("SELECT state FROM catalog_identifier WHERE code = ?", code) == [("issued",)]
    assert _outbox(regional)[:2] == ("pending", 0)

    # the national node is unreachable: the message stays pending, with the error and a back-off
    assert "0 sent, 1 failed" in _manage(regional.env, "federation_drain")
    status, attempts, last_error, next_attempt_at = _outbox(regional)
    assert (status, attempts) == ("pending", 1)
    assert "URLError" in last_error or "Connection" in last_error
    (due_in,) = regional.query(
        "SELECT (julianday(next_attempt_at) - julianday('now')) * 86400 FROM federation_outboxmessage"
    )[0]
    assert 300 < due_in <= 601  # OUTBOX_BACKOFF_BASE_SECONDS=600 after the first failure
    # not due yet: a second drain does not even try
    assert "0 sent, 0 failed" in _manage(regional.env, "federation_drain")
    assert _outbox(regional)[1] == 1
    # the regional node still resolves its own identifier, not yet filed
    status_code, body = regional.get_json("/api/v1/identifiers/" + urllib.parse.quote(code, safe="/") + "/")
    assert status_code == 200, body
    assert national.query("SELECT COUNT(*) FROM federation_identifierfiling") == [(0,)]

    # the national node comes up; the operator's "retry now" makes the message due
    national.start()
    _manage(
        regional.env,
        "shell",
        "-c",
        "from django.utils import timezone; from federation.models import OutboxMessage; "
        "OutboxMessage.objects.filter(status='pending').update(next_attempt_at=timezone.now())",
    )
    assert "1 sent, 0 failed" in _manage(regional.env, "federation_drain")

    # the national node recorded the filing once, under the regional node's prefix
    filings = national.query(
        "SELECT identifier, node_prefix, idempotency_key, payload FROM federation_identifierfiling"
    )
    assert len(filings) == 1
    identifier, prefix, key, payload = filings[0]
    assert (identifier, prefix, key) == (code, "CN.510000", f"identifier_filing:{code}")
    assert json.loads(payload)["provider"] == "两节点测试算力有限公司"
    # the regional node knows: message sent with the national receipt, identifier filed, history kept
    status, attempts, last_error, _ = _outbox(regional)
    assert (status, attempts, last_error) == ("sent", 2, "")
    assert regional.query("SELECT state FROM catalog_identifier WHERE code = ?", code) == [("filed",)]
    (receipt,) = regional.query("SELECT response FROM federation_outboxmessage")[0]
    assert json.loads(receipt)["identifier"] == code
    events = regional.query(
        "SELECT e.to_state FROM catalog_identifierevent e JOIN catalog_identifier i ON i.id = e.identifier_id "
        "WHERE i.code = ? ORDER BY e.id",
        code,
    )
    assert events == [("issued",), ("filed",)]

    # a later drain sends nothing again; the national node still has exactly one filing
    assert "0 sent, 0 failed" in _manage(regional.env, "federation_drain")
    assert national.query("SELECT COUNT(*) FROM federation_identifierfiling") == [(1,)]
