"""Redirects: followed only within the tracker's own origin, at most 3 times, never carrying the
key to another host. The servers here are real aiohttp servers on 127.0.0.1 that misbehave the
way a misconfigured proxy in front of a tracker does."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from keitaro_node import ApiError, Credentials
from keitaro_node.core.client import KeitaroClient
from keitaro_node.core.http import AiohttpTransport
from keitaro_node.core.policy import NO_RETRY
from keitaro_node.model import RequestPlan

from .conftest import CANARY


async def start(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


async def scenario(path: str) -> tuple[Any, list[dict[str, str]]]:
    """Send GET ``path`` to the tracker; return (response or error, requests the thief saw)."""
    stolen: list[dict[str, str]] = []

    async def thief(request: web.Request) -> web.Response:
        stolen.append(dict(request.headers))
        return web.json_response({"stolen": True})

    thief_app = web.Application()
    thief_app.router.add_route("*", "/{tail:.*}", thief)
    thief_runner, thief_url = await start(thief_app)

    def redirect(
        status: int, location: Callable[[], str]
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handler(request: web.Request) -> web.Response:
            return web.Response(status=status, headers={"Location": location()})

        return handler

    async def campaign(request: web.Request) -> web.Response:
        if request.headers.get("Api-Key") != CANARY:
            return web.json_response({"error": "Unauthorized"}, status=401)
        return web.json_response({"id": 1, "via": request.query.get("via", "")})

    tracker = web.Application()
    tracker.router.add_get("/admin_api/v1/campaigns/1", campaign)
    tracker.router.add_get(
        "/admin_api/v1/moved", redirect(307, lambda: "/admin_api/v1/campaigns/1?via=moved")
    )
    tracker.router.add_get("/admin_api/v1/away", redirect(302, lambda: f"{thief_url}/steal"))
    tracker.router.add_get("/admin_api/v1/loop", redirect(302, lambda: "/admin_api/v1/loop"))
    tracker_runner, tracker_url = await start(tracker)
    transport = AiohttpTransport()
    client = KeitaroClient(Credentials(tracker_url, CANARY), transport, NO_RETRY)
    try:
        result: Any = await client.send(RequestPlan("GET", path, idempotent=True))
    except ApiError as exc:
        result = exc
    finally:
        await transport.close()
        await tracker_runner.cleanup()
        await thief_runner.cleanup()
    return result, stolen


def test_same_origin_redirect_is_followed() -> None:
    result, stolen = asyncio.run(scenario("/moved"))
    assert result.data == {"id": 1, "via": "moved"}
    assert stolen == []


def test_redirect_to_another_host_is_refused() -> None:
    result, stolen = asyncio.run(scenario("/away"))
    assert isinstance(result, ApiError)
    assert stolen == [], "nothing, and certainly not the key, went to the other host"
    assert "redirected to another host" in result.message and "not followed" in result.message
    assert result.http_code == 302
    assert CANARY not in str(result) and CANARY not in str(result.request)


def test_redirects_are_capped() -> None:
    result, _ = asyncio.run(scenario("/loop"))
    assert isinstance(result, ApiError)
    assert "redirected more than 3 times" in result.message


@pytest.mark.parametrize(
    "location", ["https://127.0.0.1/x", "http://localhost/x", "//evil.example/x"]
)
def test_origin_check(location: str) -> None:
    client = KeitaroClient(Credentials("http://127.0.0.1:8080", CANARY), transport=None)  # type: ignore[arg-type]
    from urllib.parse import urljoin

    assert not client._same_origin(urljoin("http://127.0.0.1:8080/admin_api/v1/a", location))
