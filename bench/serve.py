"""Servers for the benchmarks, each in its own process: ``python -m bench.serve hello|emulator``.

Prints the base URL on the first line of stdout, then serves until killed. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable

from aiohttp import web

BENCH_KEY = "bench-api-key-0123456789"


async def _serve_forever(answer: Callable[[web.Request], Awaitable[web.Response]]) -> None:
    """Answer every path on a free loopback port, print the URL, serve until killed."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"http://127.0.0.1:{runner.addresses[0][1]}", flush=True)
    await asyncio.Event().wait()


async def hello() -> None:
    body = json.dumps({"id": 1, "name": "hello", "state": "active"}).encode()

    async def answer(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    await _serve_forever(answer)


async def relay(upstream: str) -> None:
    """The hand-written baseline of a webhook that asks the tracker: each request GETs the
    campaign its ``id`` names from ``upstream`` (one session) and answers with it."""
    import aiohttp

    async with aiohttp.ClientSession(headers={"Api-Key": BENCH_KEY}) as session:

        async def answer(request: web.Request) -> web.Response:
            url = f"{upstream}/admin_api/v1/campaigns/{request.query['id']}"
            async with session.get(url) as got:
                return web.json_response(json.loads(await got.read()))

        await _serve_forever(answer)


async def emulator(clicks: int, faults: str | None) -> None:
    from keitaro_node.emulator import Emulator

    async with Emulator(api_key=BENCH_KEY, seed="demo", clicks=clicks, faults=faults) as emu:
        print(emu.url, flush=True)
        await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=("hello", "emulator", "relay"))
    parser.add_argument("--clicks", type=int, default=100)
    parser.add_argument("--faults", default=None)
    parser.add_argument("--upstream", default="")
    args = parser.parse_args()
    if args.kind == "relay":
        asyncio.run(relay(args.upstream))
    else:
        asyncio.run(hello() if args.kind == "hello" else emulator(args.clicks, args.faults))


if __name__ == "__main__":
    main()
