"""The emulator holding 100k clicks serves simple GETs at 0.7 of a bare aiohttp server's rate.

Both servers run at once, each in its own process, and are loaded in turns (best of the rounds
for each), so that a slow moment of this shared machine does not fall on one side only.
"""

from __future__ import annotations

import asyncio
from contextlib import ExitStack

from .common import Result, raw_load, server
from .serve import BENCH_KEY

TARGET = 0.7


def run(
    requests: int = 4000, concurrency: int = 32, clicks: int = 100_000, rounds: int = 5
) -> Result:
    headers = {"Api-Key": BENCH_KEY}
    rates: dict[str, float] = {}
    cpu: dict[str, float] = {}
    with ExitStack() as stack:
        servers = {
            "hello": stack.enter_context(server("hello")),
            "emulator": stack.enter_context(server("emulator", "--clicks", str(clicks))),
        }
        paths = {kind: f"{srv.url}/admin_api/v1/campaigns/1" for kind, srv in servers.items()}
        for path in paths.values():
            asyncio.run(raw_load([path] * 200, headers, concurrency))  # warm-up
        for _ in range(rounds):
            for kind, srv in servers.items():
                before = srv.cpu_seconds()
                rate = asyncio.run(raw_load([paths[kind]] * requests, headers, concurrency))
                used = (srv.cpu_seconds() - before) / requests * 1e6
                rates[kind] = max(rates.get(kind, 0.0), rate)
                cpu[kind] = min(cpu.get(kind, used), used)
    ratio = rates["emulator"] / rates["hello"]
    return Result(
        f"emulator GET ({clicks:,} clicks) vs bare aiohttp",
        f"emulator {rates['emulator']:.0f} req/s ({cpu['emulator']:.0f} us server CPU/req), "
        f"bare {rates['hello']:.0f} req/s ({cpu['hello']:.0f} us/req), best of {rounds}",
        ratio,
        f">= {TARGET}",
        ratio >= TARGET,
    )
