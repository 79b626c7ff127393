"""``make run-network``: a national node, the Sichuan regional node and one Sichuan industry node
(酒的制造业, prefix CN.510000.C15) on three ports, each with its own SQLite file under var/network/,
demo data, enrolled with each other (the real one-time code handshake) and their outboxes drained every
5 seconds (the national node's too: key rotation notices go down through it). The national node signs
with SM2/SM3 (商用密码, ``NODE_SIGNATURE_ALGORITHM=sm2``), the other two with Ed25519: a mixed network, as
``GET /api/v1/federation/network/`` on each node shows (``signature_algorithm``) and the command prints.
Idempotent: a second run reuses the databases and the enrolments (``rm -r var/network`` starts
afresh). Each node loads the same demo data set (Sichuan's) under its own prefix. Ctrl-C stops everything.
"""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

NODES = [  # name, role, node name, enrolment segment under its parent, the prefix it will be allocated, signatures
    ("national", "national", "国家算力互联互通节点（示例）", "", "CN", "sm2"),
    ("regional", "regional", "四川省算力互联互通区域节点（示例）", "510000", "CN.510000", "ed25519"),
    ("industry", "industry", "四川省酒的制造业行业节点（示例）", "C15", "CN.510000.C15", "ed25519"),
]
DROPPED = {"DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL", "UPSTREAM_NODE_URL", "NODE_IDENTIFIER_PREFIX"}
NETWORK_PATH = "/api/v1/federation/network/"


class Command(BaseCommand):
    help = "Start a national, a regional and an industry node on three ports, enrolled with each other."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--base-port", type=int, default=8100, help="national on it, regional +1, industry +2")
        parser.add_argument("--dir", default=str(Path(settings.BASE_DIR) / "var" / "network"))
        parser.add_argument("--no-serve", action="store_true", help="prepare and enrol, then stop (for tests)")

    def handle(self, *args, host: str, base_port: int, dir: str, no_serve: bool, **options):
        root = Path(settings.BASE_DIR)
        workdir = Path(dir)
        workdir.mkdir(parents=True, exist_ok=True)
        nodes = []
        for offset, (name, role, title, segment, prefix, algorithm) in enumerate(NODES):
            url = f"http://{host}:{base_port + offset}"
            env = {k: v for k, v in os.environ.items() if k not in DROPPED}
            env.update(
                DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE", "portal.settings.dev"),
                SQLITE_PATH=str(workdir / f"{name}.sqlite3"),
                NODE_ROLE=role,
                NODE_NAME=title,
                NODE_IDENTIFIER_PREFIX=prefix,  # the demo data is issued before enrolment, under the same prefix
                NODE_PUBLIC_URL=url,
                NODE_SIGNATURE_ALGORITHM=algorithm,
                WAGTAILADMIN_BASE_URL=url,
                ALLOWED_HOSTS=host,
            )
            nodes.append(
                {"name": name, "url": url, "env": env, "segment": segment, "title": title, "port": base_port + offset}
            )
        processes: list[subprocess.Popen] = []

        def manage(node, *argv, check=True) -> str:
            done = subprocess.run(
                [sys.executable, "manage.py", *argv], cwd=root, env=node["env"], capture_output=True, text=True
            )
            if check and done.returncode:
                raise CommandError(f"{node['name']}: manage.py {argv[0]} failed\n{done.stdout}\n{done.stderr}")
            return done.stdout

        try:
            self.stdout.write("migrating and loading demo data (three databases, in parallel) …")
            setup = "manage.py migrate --noinput -v 0 && manage.py load_reference_data && manage.py seed_demo --quiet"
            running = [
                subprocess.Popen(
                    setup.replace("manage.py", f"{sys.executable} manage.py"),
                    shell=True,
                    cwd=root,
                    env=node["env"],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for node in nodes
            ]
            for node, process in zip(nodes, running, strict=True):
                if process.wait() != 0:
                    raise CommandError(f"{node['name']}: setup failed\n{process.stderr.read()}")
            for node in nodes:
                processes.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "daphne",
                            "-b",
                            host,
                            "-p",
                            str(node["port"]),
                            "portal.asgi:application",
                        ],
                        cwd=root,
                        env=node["env"],
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )
            for node in nodes:
                _wait(node["url"])
            for parent, child in ((nodes[0], nodes[1]), (nodes[1], nodes[2])):
                if _enrolled(child):
                    continue
                output = manage(parent, "node_enrolment_code", "--segment", child["segment"], "--name", child["title"])
                code = _printed(output, "CODE")
                self.stdout.write(manage(child, "node_enrol", "--upstream", parent["url"], "--code", code).strip())
            for node in nodes:
                # the outbox (up, and down: key rotation notices); the catalogue sync upward
                for command in (
                    ("federation_drain", "federation_sync") if node is not nodes[0] else ("federation_drain",)
                ):
                    processes.append(
                        subprocess.Popen(
                            [sys.executable, "manage.py", command, "--loop", "5"],
                            cwd=root,
                            env=node["env"],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                        )
                    )
            self.stdout.write("")
            self.stdout.write("The 1+M+N network (demo data; accounts as printed by `make run`):")
            for node in nodes:
                self.stdout.write(f"  {node['name']:<9} {node['title']}  {node['url']}/  {_signatures(node['url'])}")
            self.stdout.write(
                "  resolve anywhere: <url>/catalog/lookup/ ; registry: <url>/django-admin/federation/peer/"
            )
            self.stdout.write(f"  signatures of a node: curl -s <url>{NETWORK_PATH} (signature_algorithm)")
            self.stdout.write("Ctrl-C stops the three nodes.")
            if no_serve:
                return
            # blocked first, or SIGTERM's default action ends this process without stopping the nodes
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
            signal.sigwait({signal.SIGINT, signal.SIGTERM})
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()


def _wait(url: str) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise CommandError(f"{url} did not start")


def _signatures(url: str) -> str:
    """What the node itself says it signs with (its network position), e.g. "signs with sm2"."""
    try:
        with urllib.request.urlopen(url + NETWORK_PATH, timeout=10) as response:
            return "signs with " + json.loads(response.read()).get("signature_algorithm", "?")
    except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
        return ""


def _enrolled(node) -> bool:
    with sqlite3.connect(node["env"]["SQLITE_PATH"]) as connection:
        return bool(connection.execute("SELECT COUNT(*) FROM federation_upstreamlink").fetchone()[0])


def _printed(output: str, name: str) -> str:
    return next(line.split("=", 1)[1] for line in output.splitlines() if line.startswith(f"{name}="))
