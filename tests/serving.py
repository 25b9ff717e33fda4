"""Served workflows for the tests: n8n exports written to a folder, and ``serve`` running
in-process on a free loopback port until the test is done."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from keitaro_node.model import Credentials
from keitaro_node.serve.server import Settings, serve
from keitaro_node.serve.service import Service


def node(name: str, kind: str, params: dict[str, Any], version: float = 1, **extra: Any) -> dict:
    return {
        "name": name,
        "type": f"n8n-nodes-base.{kind}",
        "typeVersion": version,
        "position": [0, 0],
        "parameters": params,
        **extra,
    }


def code(name: str, js: str) -> dict[str, Any]:
    return node(name, "code", {"jsCode": js}, 2)


def webhook(path: str, mode: str = "onReceived", method: str = "POST", **params: Any) -> dict:
    return node(
        "Webhook",
        "webhook",
        {"httpMethod": method, "path": path, "responseMode": mode, "options": {}, **params},
        2,
        webhookId="0b7f7c1e-5d1a-4a52-9a3e-2f4d4a1c9e10",
    )


def chain(*names: str) -> dict[str, Any]:
    return {
        a: {"main": [[{"node": b, "type": "main", "index": 0}]]}
        for a, b in itertools.pairwise(names)
    }


def write(folder: Path, wid: str, nodes: list[dict], **settings: Any) -> Path:
    names = [n["name"] for n in nodes]
    doc = {
        "id": wid,
        "name": wid.replace("-", " ").title(),
        "nodes": nodes,
        "connections": chain(*names),
        "settings": {"executionOrder": "v1", **settings},
    }
    path = folder / f"{wid}.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@asynccontextmanager
async def serving(
    folder: Path,
    tracker: Credentials | None = None,
    environ: dict[str, str] | None = None,
    **settings: Any,
) -> AsyncIterator[tuple[str, Service]]:
    """``serve`` on 127.0.0.1, a port of its own: (its URL, its service) until the block ends;
    then stopped as SIGTERM stops it."""
    stop = asyncio.Event()
    ready: asyncio.Future[tuple[str, Service]] = asyncio.get_running_loop().create_future()
    task = asyncio.ensure_future(
        serve(
            Settings(paths=[folder], **{"port": 0, **settings}),
            environ=environ or {},
            stop=stop,
            tracker=tracker,
            ready=lambda url, service: ready.set_result((url, service)),
        )
    )
    await asyncio.wait({ready, task}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()  # it failed to start: say why
    try:
        yield ready.result()
    finally:
        stop.set()
        await task


async def until(check: Any, seconds: float = 10.0) -> Any:
    """Poll ``check()`` (sync or async) until it returns something true."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        found = check()
        if asyncio.iscoroutine(found):
            found = await found
        if found or loop.time() > deadline:
            return found
        await asyncio.sleep(0.05)
