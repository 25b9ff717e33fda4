"""Whole process against whole process, as a user waits for it: ``keitaro-node run`` of an n8n
JSON workflow (a Code node making 2,000 items → the Keitaro node's campaign:get at concurrency
32) against a Python process that sends the same 2,000 GETs with raw aiohttp (json.loads of each
answer). Start-up, imports and reading the workflow are included on our side, interpreter start
and importing aiohttp on the baseline's. Rounds alternate, so that drift hits both."""

from __future__ import annotations

import itertools
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import Result, as_installed, server
from .serve import BENCH_KEY

TARGET = 0.8

RAW = """
import asyncio, json, sys
import aiohttp

async def main(base, key, items, concurrency):
    urls = iter(f"{base}/admin_api/v1/campaigns/{i % 3 + 1}" for i in range(items))
    headers = {"Api-Key": key, "Content-Type": "application/json", "Accept": "application/json"}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        async def worker():
            for url in urls:
                async with session.get(url) as resp:
                    assert resp.status == 200
                    json.loads(await resp.read())
        await asyncio.gather(*(worker() for _ in range(concurrency)))

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
"""


def workflow(items: int, concurrency: int) -> dict[str, object]:
    code = f"return Array.from({{length: {items}}}, (_, i) => ({{json: {{id: i % 3 + 1}}}}));"
    names = ["Start", "Make items", "Get campaigns"]
    return {
        "name": "bench: campaign:get",
        "nodes": [
            {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1},
            {
                "name": "Make items",
                "type": "n8n-nodes-base.code",
                "typeVersion": 2,
                "parameters": {"jsCode": code},
            },
            {
                "name": "Get campaigns",
                "type": "n8n-nodes-keitaro.keitaro",
                "typeVersion": 1,
                "parameters": {
                    "resource": "campaign",
                    "operation": "get",
                    "campaignId": "={{ $json.id }}",
                    "options": {"concurrency": concurrency},
                },
            },
        ],
        "connections": {
            a: {"main": [[{"node": b, "type": "main", "index": 0}]]}
            for a, b in itertools.pairwise(names)
        },
        "settings": {"executionOrder": "v1"},
    }


def _timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def run(items: int = 2000, concurrency: int = 32, rounds: int = 5) -> Result:
    as_installed()
    with server("emulator") as srv, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        flow = folder / "flow.json"
        flow.write_text(json.dumps(workflow(items, concurrency)), encoding="utf-8")
        creds = folder / "creds.json"
        creds.write_text(json.dumps({"domain": srv.url, "apiKey": BENCH_KEY}), encoding="utf-8")
        ours_cmd = [
            sys.executable,
            "-m",
            "keitaro_node.cli",
            "run",
            str(flow),
            "--credentials",
            str(creds),
            "--quiet",
        ]
        raw_cmd = [sys.executable, "-c", RAW, srv.url, BENCH_KEY, str(items), str(concurrency)]
        _timed(raw_cmd), _timed(ours_cmd)  # warm the file cache for both
        raw, ours = [], []
        for _ in range(rounds):
            raw.append(_timed(raw_cmd))
            ours.append(_timed(ours_cmd))
    ratio = statistics.median(r / o for r, o in zip(raw, ours, strict=True))
    return Result(
        f"workflow run {items} campaign:get c={concurrency}",
        f"keitaro-node run {statistics.median(ours):.2f} s, raw aiohttp process "
        f"{statistics.median(raw):.2f} s (whole processes, medians of {rounds} rounds)",
        ratio,
        f">= {TARGET}",
        ratio >= TARGET,
    )


if __name__ == "__main__":
    print(run().line())
