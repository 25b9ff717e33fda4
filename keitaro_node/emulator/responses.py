"""aiohttp helpers shared by the emulator's handlers."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from .entities import ApiProblem

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Route = tuple[str, str, Handler]
BODY: web.RequestKey[Any] = web.RequestKey("body", object)
"""The parsed request body (JSON, or a form as a dict), set by the server's journal middleware."""


def body_of(request: web.Request) -> Any:
    return request.get(BODY)


def reply(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=_dumps)


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def empty(status: int = 200) -> web.Response:
    return web.Response(status=status)


def int_id(value: Any, what: str = "id") -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiProblem(400, {"error": f"Incorrect {what} {value!r}"}) from None
