"""The served examples in workflows/served/ against the embedded emulator and a local chat
server: the postback relay (header auth, a conversion through Keitaro's S2S postback, an answer
from Respond to Webhook), the hourly digest, and the failure alert as their error workflow."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web

from keitaro_node.embedded import emulator
from keitaro_node.model import Credentials
from keitaro_node.workflows.model import Start
from keitaro_node.workflows.nodes.triggers import schedule_item

from .serving import serving, until
from .test_serve import call

SERVED = Path(__file__).resolve().parents[1] / "workflows" / "served"
TOKEN = "network-s3cret"


@asynccontextmanager
async def chat() -> AsyncIterator[tuple[str, list[Any]]]:
    """A chat's incoming webhook on loopback: what it was sent."""
    received: list[Any] = []

    async def incoming(request: web.Request) -> web.Response:
        received.append(await request.json())
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/hooks/keitaro", incoming)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/hooks/keitaro", received
    finally:
        await runner.cleanup()


async def latest_click(tracker: Credentials) -> str:
    body = {"limit": 1, "columns": ["sub_id"], "sort": [{"name": "datetime", "order": "DESC"}]}
    async with aiohttp.ClientSession() as session:
        url = f"{tracker.domain}/admin_api/v1/clicks/log"
        async with session.post(url, json=body, headers={"Api-Key": tracker.api_key}) as got:
            return str((await got.json())["rows"][0]["sub_id"])


async def conversions(tracker: Credentials, sub_id: str) -> list[Any]:
    body = {
        "range": {"interval": "all_time"},
        "columns": ["sub_id", "status", "revenue"],
        "filters": [{"name": "sub_id", "operator": "EQUALS", "expression": sub_id}],
    }
    async with aiohttp.ClientSession() as session:
        url = f"{tracker.domain}/admin_api/v1/conversions/log"
        async with session.post(url, json=body, headers={"Api-Key": tracker.api_key}) as got:
            rows: list[Any] = (await got.json())["rows"]
            return rows


def test_the_postback_relay_records_a_conversion_and_answers() -> None:
    async def scenario() -> None:
        async with emulator({"seed": "demo"}) as tracker, chat() as (chat_url, said):
            environ = {"POSTBACK_TOKEN": TOKEN, "CHAT_WEBHOOK_URL": chat_url}
            async with serving(SERVED, tracker, environ) as (url, _):
                sub_id = await latest_click(tracker)
                query = f"subid={sub_id}&status=sale&payout=12.5&tid=T-77"
                hook = f"{url}/webhook/postback?{query}"
                assert (await call("GET", hook))[0] == 403
                status, _, body = await call("GET", hook, headers={"X-Postback-Token": TOKEN})
                assert (status, body) == (200, {"ok": True, "subid": sub_id})
                rows = await conversions(tracker, sub_id)
                assert [(r["status"], float(r["revenue"])) for r in rows] == [("sale", 12.5)]
                status, _, body = await call(
                    "GET",
                    f"{url}/webhook/postback?subid=nosuchclick",
                    headers={"X-Postback-Token": TOKEN},
                )
                assert status == 500, body
                alert = await until(lambda: said)
                assert alert[0]["text"].startswith(
                    "Postback relay failed at Refused: the tracker refused the postback: Error: "
                    "click not found (http://127.0.0.1:"
                )

    asyncio.run(scenario())


def test_the_hourly_digest_posts_todays_campaigns() -> None:
    async def scenario() -> None:
        async with emulator({"seed": "demo"}) as tracker, chat() as (chat_url, said):
            environ = {"CHAT_WEBHOOK_URL": chat_url, "POSTBACK_TOKEN": TOKEN}
            async with serving(SERVED, tracker, environ) as (_, service):
                digest = service.served["hourly-digest"]
                upcoming = service.next_runs(digest)
                assert upcoming and datetime.fromisoformat(upcoming[0]).minute == 5
                moscow = datetime.now(ZoneInfo("Europe/Moscow"))
                fired = Start("Every hour", [schedule_item(moscow, "Europe/Moscow")])
                outcome = await service.execute(digest, fired, "trigger")
                assert outcome.error is None
            text = said[0]["text"]
            assert text.startswith("Keitaro, ") and " clicks, " in text

    asyncio.run(scenario())
