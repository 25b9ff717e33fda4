"""Throughput: 5,000 campaign:get items at concurrency 32 (validated, planned, masked) against a
hand-written raw aiohttp loop sending the same requests; and latency hiding: 500 items with 20 ms
server latency at concurrency 16 against one item at a time (as n8n runs a node's items)."""

from __future__ import annotations

import asyncio
import statistics
import time

from keitaro_node import Credentials, KeitaroNode

from .common import Result, raw_load, server
from .serve import BENCH_KEY

THROUGHPUT_TARGET = 0.8
LATENCY_TARGET = 10.0


async def _node_rate(node: KeitaroNode, items: int, concurrency: int) -> float:
    started = time.perf_counter()
    out = await node.execute(
        [{"json": {}}] * items,
        resource="campaign",
        operation="get",
        parameters=lambda js, i: {"campaignId": i % 3 + 1},
        concurrency=concurrency,
    )
    elapsed = time.perf_counter() - started
    assert len(out) == items and all(o["json"]["success"] for o in out)
    return items / elapsed


def throughput(items: int = 5000, concurrency: int = 32, rounds: int = 5) -> Result:
    with server("emulator") as srv:
        node = KeitaroNode(Credentials(srv.url, BENCH_KEY))
        urls = [f"{srv.url}/admin_api/v1/campaigns/{i % 3 + 1}" for i in range(items)]
        headers = {
            "Api-Key": BENCH_KEY,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        asyncio.run(raw_load(urls[:300], headers, concurrency))  # warm-up both paths
        asyncio.run(_node_rate(node, 300, concurrency))
        raw, ours = [], []
        for _ in range(rounds):  # alternate, so that drift hits both
            raw.append(asyncio.run(raw_load(urls, headers, concurrency, parse=True)))
            ours.append(asyncio.run(_node_rate(node, items, concurrency)))
    ratio = statistics.median(o / r for o, r in zip(ours, raw, strict=True))  # per round pair
    return Result(
        f"throughput {items} campaign:get c={concurrency}",
        f"node {statistics.median(ours):.0f} items/s, raw aiohttp + json.loads "
        f"{statistics.median(raw):.0f} req/s (medians of {rounds} alternating rounds)",
        ratio,
        f">= {THROUGHPUT_TARGET}",
        ratio >= THROUGHPUT_TARGET,
    )


def latency_hiding(items: int = 500, concurrency: int = 16) -> Result:
    with server("emulator", "--faults", "latency=20") as srv:
        node = KeitaroNode(Credentials(srv.url, BENCH_KEY))
        sequential = asyncio.run(_node_rate(node, items, 1))
        concurrent = asyncio.run(_node_rate(node, items, concurrency))
    ratio = concurrent / sequential
    return Result(
        f"latency hiding {items} items, 20 ms",
        f"c={concurrency}: {concurrent:.0f} items/s, sequential: {sequential:.0f} items/s",
        ratio,
        f">= {LATENCY_TARGET:.0f}x",
        ratio >= LATENCY_TARGET,
    )
