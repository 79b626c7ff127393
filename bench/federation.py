"""Resolution across the network (issue 14, the resolution part of ``make bench-federation``).

Three nodes on loopback — national, the Sichuan regional node and an industry node under it — each a
daphne process on a throwaway SQLite file, enrolled with the real ``node_enrolment_code`` / ``node_enrol``
commands. The industry node issues N identifiers; the national node resolves each of them cold (asking
the regional node, which asks the industry node: two hops), then again from its cache; unknown
identifiers under the industry prefix cold and cached (negative cache). The baseline, measured in the same
run, is the industry node resolving its own identifiers from its library. Prints p50/p95 and ratios.

With ``--sync N`` (default 20,000; 0 skips it): the initial catalogue sync of N listed resources from the
industry node to the regional node (``catalogue_resync``, timed inside the industry node: records/s), and
the time until the regional node's selection API counts all N under the industry node's 来源节点.
Not yet here: status-change lag at 20/s (selection and websocket) and the regional-outage catch-up.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from common import free_port, percentile
from federation_lag import lag_part
from forkserver import ForkServer
from migrated import migrated_copy

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("resolution", "sync", "lag")
SWITCHES = {"DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL", "UPSTREAM_NODE_URL", "NODE_IDENTIFIER_PREFIX"}

SEED = """
from catalog import services
from organizations.identifiers import format_identifier
from catalog.models import ComputeResource, Identifier, Provider, Site
from organizations.models import Organization
from organizations.uscc import make_uscc

organization = Organization.objects.create(
    name="基准测试算力有限公司", kind="enterprise", province_id="510000", city_id="511500",
    uscc=make_uscc(division="511500", body="MA6BENC1"), registered_capital=100_000_000,
)
provider = Provider.objects.create(organization=organization, onboarding_state="certified", is_resource_provider=True)
site = Site.objects.create(provider=provider, code="S1", name="基准数据中心", province_id="510000", city_id="511500")
codes = []
for i in range({n}):
    resource = ComputeResource.objects.create(
        provider=provider, site=site, external_id=f"R-{{i}}", name=f"基准集群 {{i}}", resource_class="intelligent",
        accelerators_per_node=8, node_count=2, price_yuan="10.00", listing_state="pending",
    )
    services.record_approve(record=resource, actor=None)
    codes.append(Identifier.objects.get(resource=resource).code)
print("CODES=" + ",".join(codes))
unknown = [format_identifier(prefix="CN.510000.C15", class_code="H", serial=s + 1) for s in range({n})]
print("UNKNOWN=" + ",".join(unknown))
"""


BULK_SEED = """
import time
from organizations.identifiers import format_identifier
from catalog.models import ComputeResource, Identifier, Provider, Site
from federation.sync import catalogue_resync

provider, site = Provider.objects.get(), Site.objects.get()
resources = ComputeResource.objects.bulk_create(
    ComputeResource(
        provider=provider, site=site, external_id=f"B-{{i}}", name=f"同步基准集群 {{i}}", resource_class="intelligent",
        accelerator_vendor="Huawei", accelerator_model="Ascend 910B", accelerators_per_node=8, node_count=2,
        fp16_tflops_per_card="320.00", price_yuan=f"{{5 + i % 40}}.00", available_units=16, state="online",
        listing_state="approved", province_code="510000", city_code="511500",
    )
    for i in range({n})
)
Identifier.objects.bulk_create(
    Identifier(
        code=format_identifier(prefix="CN.510000.C15", class_code="A", serial=500_000 + i), prefix="CN.510000.C15",
        class_code="A", serial=500_000 + i, state="active", resource=resource,
    )
    for i, resource in enumerate(resources)
)
started, cpu = time.perf_counter(), time.process_time()
counts = catalogue_resync()
print(f"SYNC_SECONDS={{time.perf_counter() - started:.3f}}")
print(f"SYNC_CPU={{time.process_time() - cpu:.3f}}")
print(f"SYNC_RECORDS={{counts['records']}}")
"""


def sync_part(industry: "Node", regional: "Node", n: int) -> None:
    """Initial sync of ``n`` resources industry → regional: records/s, then selection visibility."""
    regional_cpu = cpu_seconds(regional.process.pid)
    output = industry.manage("shell", "-c", BULK_SEED.format(n=n))
    seconds, records = float(printed(output, "SYNC_SECONDS")), int(printed(output, "SYNC_RECORDS"))
    started = time.perf_counter()
    url = f"{regional.url}/api/v1/search/resources/?source=CN.510000.C15&page_size=1"
    while True:
        with urllib.request.urlopen(url, timeout=120) as response:
            count = json.loads(response.read())["count"]
        if count >= n or time.perf_counter() - started > 300:
            break
        time.sleep(0.2)
    visible = time.perf_counter() - started
    sender, receiver = float(printed(output, "SYNC_CPU")), cpu_seconds(regional.process.pid) - regional_cpu
    print(f"initial sync industry → regional: N={n} resources ({records} records sent with the earlier ones)")
    print(f"  catalogue_resync {seconds:.2f} s = {records / seconds:,.0f} records/s (target >= 5,000/s at 100k)")
    print(f"  regional selection counts {count} of N under 来源节点 CN.510000.C15 {visible:.2f} s after the resync")
    print(
        f"  CPU: sender {sender:.2f} s, regional node {receiver:.2f} s (receiving and indexing) = "
        f"{records / max(sender, receiver, 1e-9):,.0f} records per CPU-second of the busier side "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )


class Node:
    def __init__(self, name: str, workdir: Path, port: int = 0, **env: str):
        self.name, self.port, self.root = name, port or free_port(), ROOT
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = workdir / f"{name}.sqlite3"
        migrated_copy(self.db)
        self.env = {k: v for k, v in os.environ.items() if k not in SWITCHES}
        self.env.update(
            DJANGO_SETTINGS_MODULE="portal.settings.test",
            SQLITE_PATH=str(self.db),
            ALLOWED_HOSTS="127.0.0.1",
            NODE_PUBLIC_URL=self.url,
            LOG_LEVEL="WARNING",
            PYTHONPATH=str(ROOT),
            # node-to-node resolution comes from one address: the anonymous rate limit (300/minute) would
            # answer 429 within a second of this loop, which the asking node reports as 502
            API_THROTTLE_ANON="1000000/minute",
            **env,
        )
        self.process = None
        # commands and servers are forked from a process that has imported the project once
        self.forks = ForkServer(self.env, ROOT, workdir / f"{name}.forks.log")

    def manage(self, *args: str) -> str:
        try:
            return self.forks.started(args)()
        except AssertionError as failed:
            raise SystemExit(f"{self.name}: {failed}") from None

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        """Start the server process without waiting for it (``wait_ready``): nodes start side by side."""
        self.process = self.forks.daphne(["-b", "127.0.0.1", "-p", str(self.port), "portal.asgi:application"])

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited with {self.process.returncode} before answering")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise SystemExit(f"{self.name} did not start")

    def stop(self) -> None:
        """Stop the server (SIGTERM; SIGKILL after 10 s: daphne waits for open websockets otherwise)."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a live process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def printed(output: str, name: str) -> str:
    return next(line.split("=", 1)[1] for line in output.splitlines() if line.startswith(f"{name}="))


def enrol(child: Node, parent: Node, segment: str, name: str) -> None:
    code = printed(parent.manage("node_enrolment_code", "--segment", segment, "--name", name), "CODE")
    child.manage("node_enrol", "--upstream", parent.url, "--code", code)


def timed(node: Node, codes: list[str], expect: int) -> list[float]:
    """Milliseconds per GET /api/v1/identifiers/<code>/ on ``node`` (one keep-alive-less request each)."""
    times = []
    for code in codes:
        url = f"{node.url}/api/v1/identifiers/{urllib.parse.quote(code, safe='/')}/"
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        times.append((time.perf_counter() - started) * 1000)
        if status != expect:
            raise SystemExit(f"{code}: HTTP {status} {body[:200]!r}")
        json.loads(body)
    return times


def line(label: str, times: list[float], baseline: list[float] | None = None) -> str:
    p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
    text = f"{label:<44} n={len(times):<5} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms"
    if baseline:
        text += f"   p50 ×{p50 / percentile(baseline, 0.5):.2f} of baseline"
    return text


def resolution_part(industry: Node, national: Node, n: int) -> None:
    """Resolution at the national node of ``n`` identifiers of the industry node: cold, cached, unknown."""
    output = industry.manage("shell", "-c", SEED.format(n=n))
    codes, unknown = printed(output, "CODES").split(","), printed(output, "UNKNOWN").split(",")
    timed(industry, codes[:5], 200)  # warm the processes (imports, first connections)
    timed(national, unknown[:5], 404)
    load = os.getloadavg()
    baseline = timed(industry, codes, 200)
    cold = timed(national, codes, 200)
    cached = timed(national, codes, 200)
    negative_cold = timed(national, unknown[5:], 404)
    negative_cached = timed(national, unknown[5:], 404)
    print(f"bench-federation (resolution): {n} identifiers of CN.510000.C15, three daphne nodes")
    print(line("baseline: industry node, own library", baseline))
    print(line("national, cold (national→regional→industry)", cold, baseline))
    print(line("national, cached", cached, baseline))
    print(line("national, unknown identifier, cold", negative_cold, baseline))
    print(line("national, unknown identifier, cached (negative)", negative_cached, baseline))
    print(
        f"targets: cold p50/p95 <= 50 ms, cached <= 5 ms; load average {load[0]:.2f} before, "
        f"{os.getloadavg()[0]:.2f} after, on {os.cpu_count()} cores"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # each node's cache (LocMem in these throwaway nodes) keeps 300 entries: 2 × N + warm-up must fit
    parser.add_argument("--identifiers", type=int, default=100)
    parser.add_argument("--sync", type=int, default=20_000, help="resources in the initial-sync part (0: skip)")
    parser.add_argument("--base-port", type=int, default=0, help="national on this port, regional +1, industry +2")
    parser.add_argument("--changes", type=int, default=1000, help="status changes per part (0: skip)")
    parser.add_argument("--rate", type=float, default=20, help="status changes a second")
    parser.add_argument("--outage", type=float, default=60, help="seconds the regional node is stopped")
    parser.add_argument("--grace", type=float, default=120, help="seconds to wait for the last change to show")
    parser.add_argument("--follow-interval", type=float, default=0.1, help="seconds between sync passes")
    parser.add_argument(
        "--parts", default=",".join(PARTS), help=f"comma-separated parts to run, of {', '.join(PARTS)} (default: all)"
    )
    args = parser.parse_args(argv)
    parts = {part.strip() for part in args.parts.split(",") if part.strip()}
    if parts - set(PARTS):
        parser.error(f"unknown part(s): {', '.join(sorted(parts - set(PARTS)))}")
    workdir = Path(tempfile.mkdtemp(prefix="bench-federation-"))

    def port(offset: int) -> int:
        return args.base_port + offset if args.base_port else 0

    national = Node("national", workdir, port(0), NODE_ROLE="national", NODE_NAME="国家节点")
    regional = Node("regional", workdir, port(1), NODE_ROLE="regional", NODE_NAME="四川省区域节点")
    industry = Node("industry", workdir, port(2), NODE_ROLE="industry", NODE_NAME="酒的制造业行业节点")
    nodes = [national, regional, industry]
    try:
        for node in nodes:
            node.launch()
        for node in nodes:
            node.wait_ready()
        enrol(regional, national, "510000", "四川省区域节点")
        enrol(industry, regional, "C15", "酒的制造业行业节点")
        if "resolution" in parts and args.identifiers:
            resolution_part(industry, national, args.identifiers)
        if "sync" in parts and args.sync:
            sync_part(industry, regional, args.sync)
        if "lag" in parts and args.changes:
            lag_part(industry, regional, national, workdir, args)
    finally:
        for node in nodes:
            node.stop()
            node.forks.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
