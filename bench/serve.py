"""Servers for the benchmarks, each in its own process: ``python -m bench.serve hello|emulator``.

Prints the base URL on the first line of stdout, then serves until killed. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json

from aiohttp import web

BENCH_KEY = "bench-api-key-0123456789"


async def hello() -> None:
    body = json.dumps({"id": 1, "name": "hello", "state": "active"}).encode()

    async def answer(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"http://127.0.0.1:{runner.addresses[0][1]}", flush=True)
    await asyncio.Event().wait()


async def emulator(clicks: int, faults: str | None) -> None:
    from keitaro_node.emulator import Emulator

    async with Emulator(api_key=BENCH_KEY, seed="demo", clicks=clicks, faults=faults) as emu:
        print(emu.url, flush=True)
        await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=("hello", "emulator"))
    parser.add_argument("--clicks", type=int, default=100)
    parser.add_argument("--faults", default=None)
    args = parser.parse_args()
    asyncio.run(hello() if args.kind == "hello" else emulator(args.clicks, args.faults))


if __name__ == "__main__":
    main()
