"""The remote side of the HTTP Request pins: a local aiohttp server on 127.0.0.1 whose answers
are fixed (its Date and Server headers too), so that n8n's output for a workflow can be pinned
and compared. Workflows name it ``http://pins.invalid``; the harness puts the real address in."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from aiohttp import web

PLACEHOLDER = "http://pins.invalid"
FIXED = {"Date": "Wed, 02 Dec 2026 00:00:00 GMT", "Server": "pins"}


def _json(data: object, status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(data), status=status, content_type="application/json", headers=FIXED
    )


async def _answer(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name == "echo":
        body = await request.read()
        return _json(
            {
                "method": request.method,
                "query": [list(pair) for pair in request.query.items()],
                "contentType": request.headers.get("Content-Type"),
                "accept": request.headers.get("Accept"),
                "custom": request.headers.get("X-Custom"),
                "authorization": request.headers.get("Authorization"),
                "key": request.headers.get("X-Api-Key"),
                "Custom": request.headers.getall("X-Custom", []),
                "body": body.decode(),
            }
        )
    fixed: dict[str, web.StreamResponse] = {
        "json": _json({"id": 1, "name": "one", "nested": {"list": [1, 2]}}),
        "array": _json([{"id": 1}, {"id": 2}, {"id": 3}]),
        "scalars": _json([1, "two", None]),
        "number": _json(42),
        "text": web.Response(text="plain text", headers=FIXED),
        "html": web.Response(text="<p>hi</p>", content_type="text/html", headers=FIXED),
        "empty": web.Response(status=204, headers=FIXED),
        "bad-json": web.Response(text="{not json", content_type="application/json", headers=FIXED),
        "missing": _json({"error": "no such thing"}, 404),
        "broken": web.Response(text="it broke", status=500, headers=FIXED),
        "limited": _json({"error": "slow down"}, 429),
        "moved": web.Response(status=302, headers={**FIXED, "Location": "/json"}),
        "see-other": web.Response(status=303, headers={**FIXED, "Location": "/echo"}),
        "loop": web.Response(status=302, headers={**FIXED, "Location": "/loop"}),
    }
    if name == "pages":  # three pages of two records, then an empty one
        page = int(request.query.get("page", "1"))
        records = [{"n": 2 * page - 1}, {"n": 2 * page}] if page <= 3 else []
        later = f"/pages?page={page + 1}" if page < 3 else None
        return _json({"page": page, "records": records, "next": later})
    if name == "numbered":  # pages 1-3, then 404
        page = int(request.query.get("p", "1"))
        return _json({"p": page, "tag": request.headers.get("X-Page")}, 200 if page <= 3 else 404)
    if name.startswith("item-"):
        return _json({"item": name[5:], "method": request.method})
    return fixed.get(name) or _json({"unknown": name}, 404)


async def _bot(request: web.Request) -> web.StreamResponse:
    """The Telegram Bot API as far as the pins need it: every method answers what it was sent,
    a chat named "missing" is the API's own 400."""
    raw = await request.read()
    body = json.loads(raw) if raw else {}
    if body.get("chat_id") == "missing":
        error = {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
        return _json(error, 400)
    result = {"method": request.match_info["method"], "token": request.match_info["token"]}
    return _json({"ok": True, "result": {**result, "sent": body}})


@contextmanager
def serving() -> Iterator[str]:
    """The server, running in a thread of its own; yields its base URL."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    box: dict[str, object] = {}

    async def start() -> None:
        app = web.Application()
        app.router.add_route("*", "/{name}", _answer)
        app.router.add_route("*", "/bot{token}/{method}", _bot)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        box["runner"], box["url"] = runner, f"http://127.0.0.1:{runner.addresses[0][1]}"
        started.set()

    thread = threading.Thread(
        target=lambda: (loop.run_until_complete(start()), loop.run_forever()), daemon=True
    )
    thread.start()
    started.wait(10)
    try:
        yield str(box["url"])
    finally:
        runner = box["runner"]
        assert isinstance(runner, web.AppRunner)
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
