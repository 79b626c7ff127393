"""Status-change lag and the regional outage (issue 14, the last two parts of ``make bench-federation``).

Set-up on the three running nodes of bench/federation.py: the industry node lists ``--changes`` resources
(online, units available) and a sync follower runs beside the industry and the regional node
(``manage.py federation_sync --loop 0.1``: what the worker's periodic ``federation_catalogue_sync`` does,
continuously); the bench waits until the regional and the national selection count them all.

Lag: a changer process on the industry node sets each resource in turn to maintenance through the
provider API's service (``record_update_status``, one transaction each) at ``--rate`` a second and prints
each commit time. Meanwhile the bench watches
- the regional selection API (``available_now=1&source=<industry prefix>``; a change is visible when the
  count has dropped by its rank: changes travel in commit order — the feed, the sync cursor);
- a websocket client on the regional node's ``ws/live/`` subscribed to the synced records
  (``synced:<pk>``): per change, the first snapshot showing it; a second one showing it again is a duplicate;
- the national selection API, like the regional one.
Lost: changes never visible (within ``--grace`` seconds after the last one). Duplicated: websocket
deliveries of a change already delivered, and change-feed rows the regional / national node appended
beyond one per change (a batch applied twice would append twice).

Outage: the same resources go back online at the same rate; after a quarter of them the regional node
(its web server and its sync follower) is stopped for ``--outage`` seconds, then started again on the same
database. The industry node keeps committing; its sync fails and retries with the cursor unmoved. Prints
the catch-up time after the restart (until every change committed so far is in the regional selection,
on the reconnected websocket, at the national node), then lost and duplicated as above.
"""

import asyncio
import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

from common import percentile

PREFIX = "CN.510000.C15"
SERIAL_BASE = 700_000

SEED = """
from django.db import transaction
from organizations.identifiers import format_identifier
from catalog.models import ComputeResource, Identifier, Provider, Site
from catalog.services.changes import records_changed_append

provider, site = Provider.objects.get(), Site.objects.get()
with transaction.atomic():  # as a bulk import writes: rows, then their changes in the feed (the sync reads it)
    resources = ComputeResource.objects.bulk_create(
        ComputeResource(
            provider=provider, site=site, external_id=f"L-{{i}}", name=f"时延基准集群 {{i}}",
            resource_class="intelligent", accelerator_vendor="Huawei", accelerator_model="Ascend 910B",
            accelerators_per_node=8, node_count=2, price_yuan="9.00", available_units=16, state="online",
            listing_state="approved", province_code="510000", city_code="511500",
        )
        for i in range({n})
    )
    Identifier.objects.bulk_create(
        Identifier(
            code=format_identifier(prefix="{prefix}", class_code="A", serial={base} + i), prefix="{prefix}",
            class_code="A", serial={base} + i, state="active", resource=resource,
        )
        for i, resource in enumerate(resources)
    )
    records_changed_append(model=ComputeResource, record_ids=[r.pk for r in resources], change="created")
"""

CHANGER = """
import sys, time
from catalog.models import ComputeResource
from catalog.services.records import record_update_status

resources = ComputeResource.objects.filter(external_id__startswith="L-").select_related("identifier")
resources = list(resources.order_by("pk"))
started = time.time()
for rank, resource in enumerate(resources):
    time.sleep(max(0.0, started + rank / {rate} - time.time()))
    record_update_status(record=resource, changes={{"state": "{state}"}})
    print(f"C {{rank}} {{resource.identifier.code}} {{time.time():.6f}}", flush=True)
print("DONE", flush=True)
"""

SYNCED_PKS = """
from federation.models import SyncedRecord
rows = SyncedRecord.objects.filter(identifier__in=open("{path}").read().split()).values_list("identifier", "pk")
print("PKS=" + ",".join(f"{{code}}={{pk}}" for code, pk in rows))
"""

FEED_ROWS = """
from changes.models import Change
from federation.models import SyncedRecord
ids = list(SyncedRecord.objects.filter(identifier__in=open("{path}").read().split()).values_list("pk", flat=True))
print("ROWS=" + str(Change.objects.filter(record_type="synced", record_id__in=ids, seq__gt={after}).count()))
print("MARK=" + str(Change.objects.order_by("-seq").values_list("seq", flat=True).first() or 0))
"""


def selection_count(node) -> int | None:
    url = f"{node.url}/api/v1/search/resources/?source={PREFIX}&available_now=1&page_size=1"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.loads(response.read())["count"]
    except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
        return None  # the node is down (the outage)


class CountWatcher(threading.Thread):
    """Polls a node's selection count; ``samples`` holds (time, count)."""

    def __init__(self, node, every: float):
        super().__init__(daemon=True)
        self.node, self.every, self.samples, self.stopped = node, every, [], threading.Event()

    def run(self):
        while not self.stopped.is_set():
            count = selection_count(self.node)
            if count is not None:
                self.samples.append((time.time(), count))
            self.stopped.wait(self.every)

    def visible_at(self, baseline: int, rank: int, sign: int, after: float = 0.0) -> float | None:
        """When the count first reflected ``rank + 1`` changes (sign -1: counting down, +1: up)."""
        for moment, count in self.samples:
            if moment >= after and sign * (count - baseline) >= rank + 1:
                return moment
        return None


class LiveWatcher(threading.Thread):
    """A websocket client on a node's ws/live/, subscribed to ``keys``; reconnects (with ``since``) when the
    node comes back. ``receipts``: identifier -> [(time, state)] of every snapshot received."""

    def __init__(self, node, keys: list[str]):
        super().__init__(daemon=True)
        self.node, self.keys, self.receipts, self.stopped = node, keys, {}, threading.Event()
        self.since, self.connections = None, 0

    def run(self):
        asyncio.run(self.main())

    async def main(self):
        await asyncio.gather(*(self.client(self.keys[at : at + 500]) for at in range(0, len(self.keys), 500)))

    async def client(self, keys: list[str]):
        from websockets.asyncio.client import connect

        url = self.node.url.replace("http://", "ws://") + "/ws/live/"
        since = None
        while not self.stopped.is_set():
            try:
                async with connect(url, origin=self.node.url, open_timeout=10, ping_interval=None) as socket:
                    self.connections += 1
                    await socket.send(json.dumps({"subscribe": keys, "since": since}))
                    while not self.stopped.is_set():
                        try:
                            text = await asyncio.wait_for(socket.recv(), timeout=0.5)
                        except TimeoutError:
                            continue
                        message = json.loads(text)
                        if message.get("type") == "subscribed" and since is None:
                            since = message["seq"]
                        if message.get("type") != "snapshot":
                            continue
                        since = max(since or 0, message["seq"])
                        record = message["record"]
                        self.receipts.setdefault(record.get("identifier"), []).append(
                            (time.time(), record.get("state"))
                        )
            except Exception:  # the node is down or restarting: connect again
                await asyncio.sleep(0.2)

    def first(self, code: str, state: str, after: float = 0.0) -> float | None:
        return next((moment for moment, seen in self.receipts.get(code, ()) if seen == state and moment >= after), None)

    def duplicates(self, codes: list[str], state: str) -> int:
        return sum(max(0, sum(1 for _m, seen in self.receipts.get(code, ()) if seen == state) - 1) for code in codes)


def wait_until(predicate, timeout: float, every: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return predicate()


def lag_line(label: str, lags: list[float], n: int) -> str:
    found = len(lags)
    if not n:
        return f"  {label:<40} none committed"
    if not lags:
        return f"  {label:<40} nothing visible; lost {n}"
    return (
        f"  {label:<40} p50 {percentile(lags, 0.5) * 1000:8.0f} ms   p95 {percentile(lags, 0.95) * 1000:8.0f} ms"
        f"   max {max(lags) * 1000:8.0f} ms   lost {n - found}"
    )


class Followers:
    """The sync followers of the industry and the regional node (the worker's periodic sync, continuous)."""

    def __init__(self, industry, regional, interval: float):
        self.interval, self.processes = interval, {}
        self.nodes = {"industry": industry, "regional": regional}

    def start(self, name: str) -> None:
        node = self.nodes[name]
        self.processes[name] = subprocess.Popen(
            [sys.executable, "manage.py", "federation_sync", "--loop", str(self.interval)],
            cwd=node.root,
            env=node.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is not None:
            process.terminate()
            process.wait(timeout=20)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)


def run_changes(industry, *, rate: float, state: str, on_rank=None) -> list[tuple[int, str, float]]:
    """The changer on the industry node; returns (rank, identifier, commit time) per change."""
    process = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", CHANGER.format(rate=rate, state=state)],
        cwd=industry.root,
        env=industry.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    commits = []
    for line in process.stdout:
        if line.startswith("C "):
            _c, rank, code, moment = line.split()
            commits.append((int(rank), code, float(moment)))
            if on_rank is not None:
                on_rank(int(rank))
    process.wait()
    if process.returncode:
        raise SystemExit(f"changer failed: {process.stderr.read()[-2000:]}")
    return commits


def feed_rows(node, path: str, after: int) -> tuple[int, int]:
    output = node.manage("shell", "-c", FEED_ROWS.format(path=path, after=after))
    values = dict(line.split("=", 1) for line in output.splitlines() if "=" in line)
    return int(values["ROWS"]), int(values["MARK"])


def lag_part(industry, regional, national, workdir, args) -> None:
    n = args.changes
    before = selection_count(regional) or 0
    industry.manage("shell", "-c", SEED.format(n=n, prefix=PREFIX, base=SERIAL_BASE))
    codes_path = workdir / "lag-codes.txt"
    codes_output = industry.manage(
        "shell",
        "-c",
        "from catalog.models import Identifier\n"
        "codes = Identifier.objects.filter(resource__external_id__startswith='L-').values_list('code', flat=True)\n"
        "print('CODES=' + ','.join(codes))",
    )
    codes = next(line[6:] for line in codes_output.splitlines() if line.startswith("CODES=")).split(",")
    codes_path.write_text("\n".join(codes))
    followers = Followers(industry, regional, args.follow_interval)
    followers.start("industry")
    followers.start("regional")
    try:
        _measure(industry, regional, national, followers, codes, codes_path, before + n, args)
    finally:
        followers.stop_all()


def _settled(regional, national, minimum: int) -> tuple[int, int] | None:
    counts = selection_count(regional), selection_count(national)
    if None in counts or counts[0] < minimum or counts[0] != counts[1]:
        return None
    return counts


def _measure(industry, regional, national, followers, codes, codes_path, expected, args) -> None:
    n, started = len(codes), time.monotonic()
    if not wait_until(lambda: _settled(regional, national, expected) is not None, timeout=args.grace + 600):
        raise SystemExit(f"the {n} lag resources did not reach the regional and national selection")
    baseline = selection_count(regional)
    print(
        f"status-change lag: {n} changes at {args.rate:g}/s on the industry node (set-up synced in "
        f"{time.monotonic() - started:.1f} s; sync followers every {args.follow_interval:g} s)"
    )
    pks = dict(pair.split("=") for pair in filter(None, regional_output(regional, codes_path).split(",")))
    live = LiveWatcher(regional, [f"synced:{pks[code]}" for code in codes if code in pks])
    live.start()
    wait_until(lambda: live.connections >= (n + 499) // 500, timeout=30)
    time.sleep(0.5)
    marks = {node.name: feed_rows(node, codes_path, 0)[1] for node in (regional, national)}
    watchers = {node.name: CountWatcher(node, 0.05) for node in (regional, national)}
    for watcher in watchers.values():
        watcher.start()
    commits = run_changes(industry, rate=args.rate, state="maintenance")
    wait_until(lambda: _all_visible(watchers, live, commits, baseline, -1, "maintenance"), timeout=args.grace)
    _report(commits, watchers, live, baseline, -1, "maintenance")
    _duplicates(regional, national, codes_path, marks, n, live, codes, "maintenance")

    print(
        f"regional outage: {n} changes back to online at {args.rate:g}/s; the regional node (web server and "
        f"sync follower) stopped for {args.outage:g} s after {n // 4} of them"
    )
    base_down = min(count for _t, count in watchers["regional"].samples[-5:])
    marks = {node.name: feed_rows(node, codes_path, 0)[1] for node in (regional, national)}
    outage = {}

    def on_rank(rank: int) -> None:
        if rank == n // 4 and "stopped" not in outage:
            outage["stopped"] = time.time()
            threading.Thread(target=_outage, args=(regional, followers, args.outage, outage), daemon=True).start()

    commits = run_changes(industry, rate=args.rate, state="online", on_rank=on_rank)
    wait_until(lambda: "restarted" in outage, timeout=args.outage + 600)
    wait_until(lambda: _all_visible(watchers, live, commits, base_down, +1, "online"), timeout=args.grace + 60)
    restarted = outage["restarted"]
    before = [commit for commit in commits if commit[2] <= restarted]
    print(
        f"  regional node down {restarted - outage['stopped']:.1f} s; {len(before)} of {n} changes committed "
        "before it answered again"
    )
    for label, moment in (
        ("regional selection", _caught_up(watchers["regional"], before, base_down, +1, restarted)),
        ("regional websocket (reconnected)", _caught_up_live(live, before, "online")),
        ("national selection", _caught_up(watchers["national"], before, base_down, +1, restarted)),
    ):
        text = f"{moment - restarted:.2f} s" if moment is not None else "not caught up"
        print(f"  catch-up after restart, {label:<34} {text}")
    _report(commits, watchers, live, base_down, +1, "online", restarted=restarted)
    _duplicates(regional, national, codes_path, marks, n, live, codes, "online")
    for watcher in watchers.values():
        watcher.stopped.set()
    live.stopped.set()


def regional_output(regional, codes_path) -> str:
    output = regional.manage("shell", "-c", SYNCED_PKS.format(path=codes_path))
    return next(line.split("=", 1)[1] for line in output.splitlines() if line.startswith("PKS="))


def _outage(regional, followers, seconds: float, outage: dict) -> None:
    followers.stop("regional")
    regional.stop()
    time.sleep(max(0.0, outage["stopped"] + seconds - time.time()))
    regional.start()
    outage["restarted"] = time.time()
    followers.start("regional")


def _all_visible(watchers, live, commits, baseline, sign, state) -> bool:
    n = len(commits)
    done = all(watcher.samples and sign * (watcher.samples[-1][1] - baseline) >= n for watcher in watchers.values())
    return done and all(live.first(code, state) is not None for _r, code, _m in commits)


def _caught_up(watcher, before, baseline, sign, after) -> float | None:
    return watcher.visible_at(baseline, len(before) - 1, sign, after) if before else after


def _caught_up_live(live, before, state) -> float | None:
    moments = [live.first(code, state) for _r, code, _m in before]
    return None if None in moments else max(moments, default=None)


def _report(commits, watchers, live, baseline, sign, state, restarted: float = 0.0) -> None:
    n = len(commits)
    outage = " (changes committed after the restart)" if restarted else ""
    later = [commit for commit in commits if commit[2] > restarted]
    for name, watcher in watchers.items():
        lags = [
            moment - committed
            for rank, _code, committed in later
            if (moment := watcher.visible_at(baseline, rank, sign)) is not None
        ]
        print(lag_line(f"{name} selection{outage}", lags, len(later)))
        if not restarted:
            final = sign * (watcher.samples[-1][1] - baseline) if watcher.samples else 0
            print(f"    {name} selection shows {min(final, n)} of {n} changes")
    lags = [moment - committed for _r, code, committed in later if (moment := live.first(code, state)) is not None]
    print(lag_line(f"regional websocket{outage}", lags, len(later)))


def _duplicates(regional, national, codes_path, marks, n, live, codes, state) -> None:
    rows = {node.name: feed_rows(node, codes_path, marks[node.name])[0] for node in (regional, national)}
    lost_live = sum(1 for code in codes if live.first(code, state) is None)
    print(
        f"  lost: websocket {lost_live}; duplicated: websocket {live.duplicates(codes, state)}, "
        f"regional feed {rows['regional'] - n:+d}, national feed {rows['national'] - n:+d} "
        f"(feed rows appended for the {n} records beyond one per change; negative: changes missing)"
    )
