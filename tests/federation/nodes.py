"""Real nodes on loopback for the two-server tests: each node is a separate daphne process (while up)
with its own throwaway SQLite file, so the tests run the same on the SQLite and the PostgreSQL CI
passes and under pytest-xdist (free ports; DATABASE_URL, REDIS_URL and the other node switches are
removed from the children's environment). Management commands run against a node's file with
``Node.manage``.

Every node starts from a copy of the migrated template database of bench/migrated.py: migrating is
most of a two-server test's time, and it is done once per migration content for every user.
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
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.forkserver import Forked, ForkServer
from bench.migrated import migrated_copy

ROOT = Path(__file__).resolve().parents[2]
NODE_SWITCHES = {
    "DATABASE_URL",
    "REDIS_URL",
    "ELASTICSEARCH_URL",
    "UPSTREAM_NODE_URL",
    "NODE_ROLE",
    "NODE_IDENTIFIER_PREFIX",
    "NODE_PUBLIC_URL",
    "NODE_SIGNATURE_ALGORITHM",
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def node_env(db: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in NODE_SWITCHES}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.test",
        SQLITE_PATH=str(db),
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="WARNING",
        **extra,
    )
    return env


def manage_started(env: dict[str, str], *args: str) -> Callable[..., str]:
    """A management command started in the background; call the result to wait for its output."""
    process = subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def output(timeout: int = 900) -> str:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        assert process.returncode == 0, f"manage.py {args[0]} failed:\n{stdout}\n{stderr}"
        return stdout

    return output


def manage(env: dict[str, str], *args: str, timeout: int = 900) -> str:
    return manage_started(env, *args)(timeout)


class Node:
    """One node: its database file (a copy of the template), its environment and (while up) its daphne."""

    def __init__(self, name: str, db: Path, **env: str):
        self.name, self.db, self.port = name, db, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = node_env(db, ALLOWED_HOSTS="127.0.0.1", NODE_PUBLIC_URL=self.url, **env)
        self.process: subprocess.Popen | Forked | None = None
        self.log = db.with_suffix(".log")
        self.forks = ForkServer(self.env, ROOT, db.with_suffix(".forks.log"))

    def manage_started(self, *args: str) -> Callable[..., str]:
        """A management command in the background; call the result to wait for its output. Forked from
        the node's fork server (bench/forkserver.py) while the node's environment is the one
        it was started with, else a new ``manage.py``."""
        if self.env == self.forks.env:
            return self.forks.started(args)
        return manage_started(self.env, *args)

    def manage(self, *args: str, timeout: int = 900) -> str:
        return self.manage_started(*args)(timeout)

    def shell(self, script: str) -> str:
        return self.manage("shell", "-c", script)

    def shell_started(self, script: str) -> Callable[..., str]:
        return self.manage_started("shell", "-c", script)

    def start(self) -> None:
        argv = ["-b", "127.0.0.1", "-p", str(self.port), "portal.asgi:application"]
        if self.env == self.forks.env:
            self.process = self.forks.daphne(argv, self.log)
        else:
            with self.log.open("ab") as log:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "daphne", *argv],
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
                time.sleep(0.2)
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

    def request(self, path: str, *, body: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
        """GET (or POST ``body`` as JSON) on this node; (status, JSON answer)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path, data=data, headers={"Content-Type": "application/json", **(headers or {})}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")


@pytest.fixture
def loopback_nodes(tmp_path):
    """``make(name, **env)`` -> a Node on a copy of the migrated template; all are stopped afterwards
    (their daphne logs kept in var/ with TWO_SERVER_KEEP_LOGS=1)."""
    made: list[Node] = []

    def make(name: str, **env: str) -> Node:
        node = Node(name, tmp_path / f"{name}.sqlite3", **env)
        migrated_copy(node.db)
        made.append(node)
        return node

    yield make
    for node in made:
        node.stop()
        node.forks.close()
        if node.log.exists() and os.environ.get("TWO_SERVER_KEEP_LOGS"):
            shutil.copy(node.log, ROOT / "var" / node.log.name)


def enrol(child: Node, parent: Node, *, segment: str, name: str) -> str:
    """The real enrolment: the parent's operator issues a code, the child runs ``node_enrol`` against the
    running parent. Returns the prefix the parent allocated."""
    code = printed(parent.manage("node_enrolment_code", "--segment", segment, "--name", name), "CODE")
    return printed(child.manage("node_enrol", "--upstream", parent.url, "--code", code), "PREFIX")


def printed(output: str, name: str) -> str:
    """The value a node's script printed as ``NAME=value`` (``manage.py shell`` prints more)."""
    return next(line.split("=", 1)[1] for line in output.splitlines() if line.startswith(f"{name}="))


def outbox_rows(node: Node, kind: str) -> list[tuple]:
    """(status, attempts, last_error, seconds until the next attempt) of the node's outbox messages of ``kind``."""
    return node.query(
        "SELECT status, attempts, last_error, (julianday(next_attempt_at) - julianday('now')) * 86400"
        " FROM federation_outboxmessage WHERE kind = ? ORDER BY id",
        kind,
    )


def three_nodes(make: Callable[..., Node], **slow: str) -> tuple[Node, Node, Node]:
    """The national, Sichuan regional and liquor industry nodes, national and regional running, each
    enrolled with its upstream (``slow``: extra environment of the two lower nodes, e.g. a short
    UPSTREAM_TIMEOUT_SECONDS). The industry node is not started (most tests drive it by command)."""
    national = make("national", NODE_ROLE="national", NODE_NAME="国家节点")
    regional = make("regional", NODE_ROLE="regional", NODE_NAME="四川省区域节点", **slow)
    industry = make("industry", NODE_ROLE="industry", NODE_NAME="酒的制造业行业节点", **slow)
    national.start()
    regional.start()
    assert enrol(regional, national, segment="510000", name="四川省区域节点") == "CN.510000"
    assert enrol(industry, regional, segment="C15", name="酒的制造业行业节点") == "CN.510000.C15"
    # the regional node tells the root about the industry node it enrolled (federation/peer_relay.py)
    assert "1 sent, 0 failed" in regional.manage("federation_drain")
    relayed = "SELECT p.prefix, v.prefix FROM federation_peer p JOIN federation_peer v ON p.via_id = v.id"
    assert national.query(relayed) == [("CN.510000.C15", "CN.510000")]
    return national, regional, industry


def selected(node: Node, **params: str) -> list[tuple[str, str | None]]:
    """(identifier, source node prefix) of what the node's public selection API finds."""
    status, body = node.request("/api/v1/search/resources/?" + urllib.parse.urlencode({"page_size": 100, **params}))
    assert status == 200, body
    return [(row["identifier"], (row["source_node"] or {}).get("prefix")) for row in body["results"]]
