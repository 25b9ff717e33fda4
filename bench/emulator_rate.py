"""The emulator serves simple GETs at no less than half the rate of a bare aiohttp server."""

from __future__ import annotations

import asyncio

from .common import Result, raw_load, server
from .serve import BENCH_KEY

TARGET = 0.5


def run(requests: int = 4000, concurrency: int = 32) -> Result:
    headers = {"Api-Key": BENCH_KEY}
    rates, cpu = {}, {}
    for kind in ("hello", "emulator"):
        with server(kind) as srv:
            path = f"{srv.url}/admin_api/v1/campaigns/1"
            asyncio.run(raw_load([path] * 200, headers, concurrency))  # warm-up
            before = srv.cpu_seconds()
            rates[kind] = asyncio.run(raw_load([path] * requests, headers, concurrency))
            cpu[kind] = (srv.cpu_seconds() - before) / requests * 1e6
    ratio = rates["emulator"] / rates["hello"]
    return Result(
        "emulator GET vs bare aiohttp",
        f"emulator {rates['emulator']:.0f} req/s ({cpu['emulator']:.0f} us server CPU/req), "
        f"bare {rates['hello']:.0f} req/s ({cpu['hello']:.0f} us/req)",
        ratio,
        f">= {TARGET}",
        ratio >= TARGET,
    )
