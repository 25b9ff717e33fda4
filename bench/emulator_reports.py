"""The emulator's reports: ``report/build`` grouped by campaign within 1 µs a click (100 ms at
100k clicks, 1 s at 1M), median of several, with the emulator in its own process on loopback."""

from __future__ import annotations

import asyncio
import statistics
import time

import aiohttp

from .common import Result, server
from .serve import BENCH_KEY

REPORT = {
    "range": {"interval": "all_time"},
    "dimensions": ["campaign"],
    "measures": ["clicks", "conversions", "revenue", "cost", "profit", "roi"],
}
BUDGET_US_PER_CLICK = 1.0


async def _timings(url: str, rounds: int) -> list[float]:
    async with aiohttp.ClientSession(headers={"Api-Key": BENCH_KEY}) as session:
        seconds = []
        for _ in range(rounds + 1):  # the first warms the caches and is not counted
            started = time.perf_counter()
            async with session.post(f"{url}/admin_api/v1/report/build", json=REPORT) as resp:
                assert resp.status == 200, await resp.text()
                await resp.read()
            seconds.append(time.perf_counter() - started)
        return seconds[1:]


def run(sizes: tuple[int, ...] = (100_000, 1_000_000), rounds: int = 7) -> list[Result]:
    results = []
    for clicks in sizes:
        with server("emulator", "--clicks", str(clicks)) as srv:
            seconds = asyncio.run(_timings(srv.url, rounds))
        median_ms = statistics.median(seconds) * 1000
        budget_ms = clicks * BUDGET_US_PER_CLICK / 1000
        results.append(
            Result(
                f"report/build by campaign, {clicks:,} clicks",
                f"median {median_ms:.0f} ms of {rounds} ({min(seconds) * 1000:.0f}–"
                f"{max(seconds) * 1000:.0f}); ratio = budget / median",
                budget_ms / median_ms,
                f"<= {budget_ms:,.0f} ms",
                median_ms <= budget_ms,
            )
        )
    return results


if __name__ == "__main__":
    for result in run():
        print(result.line())
