"""A soak of ``keitaro-node serve``: 10,000 webhook requests at concurrency 50 against a served
workflow whose Keitaro node reads a campaign from the emulator (Webhook → Keitaro → the last
node's answer), each on record in SQLite. Every request must be answered with its campaign,
the executions on record must match the requests, and the server's memory must stay flat
(its RSS after the first 2,000 requests against after all of them).

The baseline, in the same run: a bare aiohttp server doing the same (one GET to the emulator per
request, its JSON answered). Both servers and the emulator are processes of their own.
``python -m bench.serve_soak [--requests N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from .common import ROOT, Result, server
from .serve import BENCH_KEY

WORKFLOW = """\
name: Campaign lookup
id: lookup
credentials: {domain: "${KEITARO_DOMAIN}", apiKey: "${KEITARO_API_KEY}"}
nodes:
  - name: Lookup
    type: webhook
    typeVersion: 2
    parameters: {httpMethod: GET, path: campaign, responseMode: lastNode}
  - name: Campaign
    type: keitaro
    resource: campaign
    operation: get
    parameters: {campaignId: "={{ $json.query.id }}"}
"""
FLAT_MB = 40
"""Growth of the server's RSS from 2,000 requests to the end that still counts as flat."""


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def load(url: str, count: int, concurrency: int, ids: list[int]) -> tuple[float, int]:
    """``count`` GETs of ``url?id=…``: (requests/s, answers that were not the campaign)."""
    wrong = 0
    queue = iter(range(count))
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            nonlocal wrong
            for n in queue:
                wanted = ids[n % len(ids)]
                async with session.get(url, params={"id": str(wanted)}) as got:
                    body = json.loads(await got.read())
                    item = body.get("data", body) if isinstance(body, dict) else None
                    if got.status != 200 or not isinstance(item, dict) or item.get("id") != wanted:
                        wrong += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return count / (time.perf_counter() - started), wrong


def start_serve(folder: Path, db: Path, emulator_url: str) -> tuple[subprocess.Popen[bytes], str]:
    log = (folder / "serve.log").open("wb")
    env = {**os.environ, "KEITARO_DOMAIN": emulator_url, "KEITARO_API_KEY": BENCH_KEY}
    command = [sys.executable, "-m", "keitaro_node.cli", "serve", str(folder / "flows"),
               "--port", "0", "--db", str(db), "--log-format", "json",
               "--concurrency", "50", "--per-workflow", "50", "--keep", "1000000"]  # fmt: skip
    proc = subprocess.Popen(command, stderr=log, stdout=subprocess.DEVNULL, cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for line in (folder / "serve.log").read_text().splitlines():
            event = json.loads(line)
            if event.get("event") == "serving":
                return proc, str(event["url"])
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("serve did not start")


def run(requests: int = 10_000, concurrency: int = 50) -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp, server("emulator", "--clicks", "2000") as emu:
        folder = Path(tmp)
        (folder / "flows").mkdir()
        (folder / "flows" / "lookup.yaml").write_text(WORKFLOW, encoding="utf-8")
        db = folder / "runs.db"
        ids = [1, 2, 3]
        proc, url = start_serve(folder, db, emu.url)
        try:
            warm = min(2000, requests // 5)
            asyncio.run(load(f"{url}/webhook/campaign", warm, concurrency, ids))
            settled = rss_mb(proc.pid)
            rate, wrong = asyncio.run(load(f"{url}/webhook/campaign", requests, concurrency, ids))
            grown = rss_mb(proc.pid) - settled
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        with server("relay", "--upstream", emu.url) as relay:
            asyncio.run(load(f"{relay.url}/", warm, concurrency, ids))
            bare, _ = asyncio.run(load(f"{relay.url}/", requests, concurrency, ids))
        conn = sqlite3.connect(db)
        statuses = dict(conn.execute("SELECT status, count(*) FROM executions GROUP BY status"))
        conn.close()
    on_record = statuses.get("success", 0)
    answered = wrong == 0
    matched = on_record == warm + requests and set(statuses) == {"success"}
    flat = grown <= FLAT_MB
    return [
        Result(
            f"serve soak: {requests:,} webhooks at {concurrency}",
            f"{rate:.0f} req/s against a bare aiohttp relay's {bare:.0f}; {wrong} wrong answers; "
            f"{on_record:,} executions on record ({statuses}); RSS {settled:.0f} MB after "
            f"{warm:,}, {grown:+.1f} MB after {requests:,} more",
            rate / bare,
            f"every answer; flat ≤{FLAT_MB} MB",
            answered and matched and flat,
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.serve_soak")
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    for result in run(args.requests, args.concurrency):
        print(result.line())


if __name__ == "__main__":
    main()
