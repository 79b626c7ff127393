"""The load generator of `make bench-load` (bench/load.py runs it as its own process).

``python bench/loadgen.py --port P --plan plan.json --rate R --duration S --seed N`` sends requests to
127.0.0.1:P at R per second for S seconds whatever the answers do (open loop: request i is due at
start + i/R), on keep-alive HTTP/1.1 connections opened as needed, as the TLS proxy forwards them, in the
mix below, and prints one JSON object: offered and achieved req/s, p50/p95/p99 per kind (counted from
when each request was due), errors, page-cache hits. One asyncio loop: a few percent of a core.
"""

import argparse
import asyncio
import json
import random
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from common import percentile

HOST = "node.example.cn"
MIX = (("page", 0.40), ("search", 0.35), ("select", 0.15), ("patch", 0.10))
REQUEST_TIMEOUT = 30.0


def _requests(plan: dict, rng: random.Random):
    """An endless stream of (kind, method, path, body) in the mix's proportions."""
    kinds, weights = zip(*MIX, strict=True)
    sorts = ["price", "-price", "available", "price_performance_fp16", "price_performance_fp32"]

    def filters() -> dict:
        chosen = {}
        if rng.random() < 0.5 and plan["classes"]:
            chosen["resource_class"] = rng.choice(plan["classes"])
        if rng.random() < 0.3 and plan["vendors"]:
            chosen["vendor"] = rng.choice(plan["vendors"])
        if rng.random() < 0.2 and plan["models"]:
            chosen["model"] = rng.choice(plan["models"])
        if rng.random() < 0.3 and plan["provinces"]:
            chosen["province"] = rng.choice(plan["provinces"])
        if rng.random() < 0.2:
            chosen["min_cards"] = rng.choice([1, 8, 16, 64])
        if rng.random() < 0.2:
            chosen["max_price"] = rng.choice([5, 10, 20, 50])
        if rng.random() < 0.2:
            chosen["available_now"] = "1"
        if rng.random() < 0.6:
            chosen["sort"] = rng.choice(sorts)
        if rng.random() < 0.2:
            chosen["page"] = rng.choice([1, 2])
        return chosen

    def query(params: dict) -> str:
        return "?" + urlencode(params) if params else ""

    while True:
        kind = rng.choices(kinds, weights)[0]
        if kind == "page":
            yield kind, "GET", rng.choice(plan["pages"]), None
        elif kind == "search":
            yield kind, "GET", "/api/v1/search/resources/" + query(filters()), None
        elif kind == "select":
            yield kind, "GET", "/select/" + query(filters()), None
        else:
            change = (
                {"available_units": rng.randint(0, 64)}
                if rng.random() < 0.7
                else {"price_yuan": f"{rng.uniform(3, 30):.2f}"}
            )
            path = f"/api/v1/provider/resources/{rng.choice(plan['external_ids'])}/status/"
            yield kind, "PATCH", path, json.dumps(change).encode()


class Pool:
    """Idle keep-alive connections to the server; a request takes one or opens a new one."""

    def __init__(self, port: int):
        self.port = port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.opened = 0

    async def take(self, *, fresh: bool = False):
        """An idle connection (most recently used first), or a new one."""
        if self.idle and not fresh:
            return self.idle.pop()
        self.opened += 1
        return await asyncio.open_connection("127.0.0.1", self.port)

    def give(self, connection) -> None:
        self.idle.append(connection)


async def _exchange(connection, method: str, path: str, body: bytes | None, api_key: str) -> tuple[int, bool, bool]:
    """Send one request and read its answer: (status, keep-alive, answered from the page cache)."""
    reader, writer = connection
    head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nX-Forwarded-Proto: https\r\nAccept-Language: zh-CN\r\n"
    if body is not None:
        head += f"Authorization: Api-Key {api_key}\r\nContent-Type: application/json\r\n"
        head += f"Content-Length: {len(body)}\r\n"
    writer.write(head.encode() + b"\r\n" + (body or b""))
    await writer.drain()
    response = await reader.readuntil(b"\r\n\r\n")
    status = int(response.split(b" ", 2)[1])
    length = re.search(rb"(?im)^content-length:\s*(\d+)", response)
    if length:
        await reader.readexactly(int(length.group(1)))
    elif re.search(rb"(?im)^transfer-encoding:\s*chunked", response):
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    keep = not re.search(rb"(?im)^connection:\s*close", response)
    return status, keep, b"\r\nx-portal-cache: hit" in response.lower()


async def generate(port: int, plan: dict, *, rate: float, duration: float, seed: int) -> dict:
    rng = random.Random(seed)
    stream = _requests(plan, rng)
    pool = Pool(port)
    results: list[tuple[str, float, int]] = []  # kind, latency from due time (s), status (0: failed)
    errors: dict[str, int] = {}
    hits: dict[str, int] = {}  # answers from the anonymous page cache, by kind
    retried: dict[str, int] = {}  # sent again after the server had closed an idle keep-alive connection

    async def one(kind, method, path, body, due):
        status, connection, label, hit = 0, None, "", False
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                reused = bool(pool.idle)
                connection = await pool.take()
                try:
                    status, keep, hit = await _exchange(connection, method, path, body, plan["api_key"])
                except (ConnectionResetError, BrokenPipeError, asyncio.IncompleteReadError) as error:
                    if not reused or (isinstance(error, asyncio.IncompleteReadError) and error.partial):
                        raise
                    # the server closed this idle keep-alive connection as the request went out (no byte of
                    # an answer came back): like any HTTP client or proxy, send it again on a new connection
                    connection[1].close()
                    retried[kind] = retried.get(kind, 0) + 1
                    connection = await pool.take(fresh=True)
                    status, keep, hit = await _exchange(connection, method, path, body, plan["api_key"])
            if keep:
                pool.give(connection)
            else:
                connection[1].close()
            label = f"{kind} {status}"
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as error:
            label = f"{kind} {type(error).__name__}"
            if connection is not None:
                connection[1].close()
        results.append((kind, time.perf_counter() - due, status))
        if hit:
            hits[kind] = hits.get(kind, 0) + 1
        if status != 200:
            errors[label] = errors.get(label, 0) + 1

    loop_started = time.perf_counter()
    total = int(rate * duration)
    tasks = []
    for index in range(total):
        due = loop_started + index / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(*next(stream), due)))
    sent_for = time.perf_counter() - loop_started
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - loop_started
    by_kind = {}
    for kind, _weight in MIX:
        latencies = [latency for k, latency, _status in results if k == kind]
        by_kind[kind] = {
            "requests": len(latencies),
            "errors": sum(1 for k, _latency, status in results if k == kind and status != 200),
            "cache_hits": hits.get(kind, 0),
            "p50": percentile(latencies, 0.50) * 1000,
            "p95": percentile(latencies, 0.95) * 1000,
            "p99": percentile(latencies, 0.99) * 1000,
        }
    everything = [latency for _k, latency, _status in results]
    by_kind["all"] = {
        "requests": len(results),
        "errors": sum(1 for *_rest, status in results if status != 200),
        "cache_hits": sum(hits.values()),
        "p50": percentile(everything, 0.50) * 1000,
        "p95": percentile(everything, 0.95) * 1000,
        "p99": percentile(everything, 0.99) * 1000,
    }
    ok = sum(1 for *_rest, status in results if status == 200)
    return {
        "offered_rps": total / sent_for if sent_for else 0.0,
        "achieved_rps": ok / elapsed if elapsed else 0.0,
        "elapsed": elapsed,
        "connections": pool.opened,
        "retried": retried,
        "kinds": by_kind,
        "errors": errors,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, kind in (("--port", int), ("--plan", Path), ("--rate", float), ("--duration", float), ("--seed", int)):
        parser.add_argument(name, type=kind, required=True)
    args = parser.parse_args(argv)
    plan = json.loads(args.plan.read_text())
    result = asyncio.run(generate(args.port, plan, rate=args.rate, duration=args.duration, seed=args.seed))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
