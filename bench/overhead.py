"""Executor overhead without a network: validation, expressions, planning, masking and output
building per item, through an in-process transport that answers instantly. The baseline is the
same loop calling the transport directly (what any client pays)."""

from __future__ import annotations

import asyncio
import cProfile
import io
import json
import pstats
import time

from keitaro_node import Credentials
from keitaro_node.core.client import KeitaroClient
from keitaro_node.core.definition import load_definition
from keitaro_node.core.executor import Executor
from keitaro_node.core.http import HttpRequest, RawResponse
from keitaro_node.expressions import Context, resolve

from .common import Result

BODY = json.dumps(
    {"id": 1, "alias": "demo-fb", "name": "Demo Facebook", "state": "active"}
).encode()


class InstantTransport:
    """Answers every request at once with a small campaign (no network)."""

    async def send(self, request: HttpRequest) -> RawResponse:
        return RawResponse(200, "OK", {"Content-Type": "application/json"}, BODY)

    async def close(self) -> None:
        return None


async def _executor(items: int) -> float:
    client = KeitaroClient(
        Credentials("https://tracker.example", "overhead-key-0123"), InstantTransport()
    )
    executor = Executor(load_definition(), client)
    template = {"campaignId": "={{ $json.id }}"}
    inputs = [{"json": {"id": i % 3 + 1}} for i in range(items)]

    def parameters(js: dict, i: int) -> dict:
        return resolve(template, Context(items=inputs, index=i))

    started = time.perf_counter()
    out = await executor.run(inputs, "campaign", "get", parameters, concurrency=32)
    assert len(out) == items
    return (time.perf_counter() - started) / items * 1e6


async def _bare(items: int) -> float:
    transport = InstantTransport()
    request = HttpRequest("GET", "https://tracker.example/admin_api/v1/campaigns/1", {})
    started = time.perf_counter()
    for _ in range(items):
        raw = await transport.send(request)
        json.loads(raw.body)
    return (time.perf_counter() - started) / items * 1e6


def run(items: int = 20000, profile: bool = True) -> tuple[Result, str]:
    asyncio.run(_executor(500))  # warm-up: load the definition, compile validators
    per_item = min(asyncio.run(_executor(items)) for _ in range(3))
    bare = min(asyncio.run(_bare(items)) for _ in range(3))
    report = ""
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        asyncio.run(_executor(items // 4))
        profiler.disable()
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(12)
        report = "\n".join(
            line for line in buffer.getvalue().splitlines() if "/" in line or "ncalls" in line
        )
    result = Result(
        "executor overhead (no network)",
        f"{per_item:.0f} us/item through the executor ({1e6 / per_item:.0f} items/s); "
        f"bare transport + JSON {bare:.1f} us",
        None,
        "report",
        None,
    )
    return result, report
