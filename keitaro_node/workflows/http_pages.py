"""HTTP Request 4.x's pagination as n8n-core's requestWithAuthenticationPaginated does it: each
page's request from the answer before (a parameter updated, or the next URL), until the
continue expression says no, ``maxRequests`` is reached, or the same answer came back five
times. Its expressions read ``$response``, ``$pageCount`` and ``$request``."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from .. import expressions
from ..core.http import HttpRequest, RawResponse
from ..expressions import Context


class PagingStopped(Exception):
    """Paging cannot go on (n8n's message)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PageFailed(Exception):
    """A page that should be followed by another answered with an error status."""

    def __init__(self, answer: RawResponse) -> None:
        super().__init__(answer.status)
        self.answer = answer


def pagination(params: Mapping[str, Any]) -> dict[str, Any] | None:
    """4.x's options.pagination as written (its expressions read $response, $pageCount and
    $request, so they are evaluated page by page), with n8n's defaults; None: off."""
    options = params.get("options") or {}
    given = (options.get("pagination") or {}).get("pagination")
    if not isinstance(given, Mapping) or given.get("paginationMode") == "off":
        return None
    pages = {
        "paginationMode": "updateAParameterInEachRequest",
        "paginationCompleteWhen": "responseIsEmpty",
        "maxRequests": 100,
        "requestInterval": 0,
        **given,
    }
    when = pages["paginationCompleteWhen"]
    if when == "receiveSpecificStatusCodes":
        codes = [
            int(c) for c in str(pages.get("statusCodesWhenComplete", "")).split(",") if c.strip()
        ]
        pages["continue"] = f"={{{{ !{json.dumps(codes)}.includes($response.statusCode) }}}}"
    elif when == "responseIsEmpty":
        pages["continue"] = (
            "={{ Array.isArray($response.body) ? $response.body.length : !!$response.body }}"
        )
    else:
        given_expression = str(pages.get("completeExpression", "")).strip()
        if not given_expression.startswith("="):
            raise ValueError("Invalid or empty Complete Expression")
        pages["continue"] = f"={{{{ !({given_expression[3:-2]}) }}}}"
    return pages


async def paged(
    send: Callable[[HttpRequest], Awaitable[RawResponse]],
    request: HttpRequest,
    pages: Mapping[str, Any],
    context: Context,
) -> list[RawResponse]:
    """n8n's requestWithAuthenticationPaginated: each page's request from the previous answer,
    until the continue expression says no, ``maxRequests`` is reached, or the same answer came
    back five times."""
    as_sent = {"uri": request.url, "qs": dict(request.query), "headers": dict(request.headers)}
    response: dict[str, Any] = {}
    count, same, previous = 0, 0, ("", "")
    answers: list[RawResponse] = []

    def value(expression: Any) -> Any:
        variables = {"$request": as_sent, "$response": response, "$pageCount": count}
        return expressions.resolve(expression, replace(context, variables=json.dumps(variables)))

    while True:
        page = request
        if pages["paginationMode"] == "responseContainsNextURL":
            url = value(pages.get("nextURL", ""))
            page = page._replace(url=str(url)) if url else page
        else:
            for entry in (pages.get("parameters") or {}).get("parameters") or []:
                page = _with_parameter(
                    page,
                    entry.get("type", "qs"),
                    entry.get("name", ""),
                    value(entry.get("value", "")),
                )
        if urlsplit(page.url).scheme not in ("http", "https"):
            raise PagingStopped(f"'{page.url}' is not a valid URL.")
        answer = await send(page)
        text = answer.body.decode("utf-8", errors="replace")
        digest = hashlib.md5(answer.body, usedforsecurity=False).hexdigest()  # n8n's check
        length = answer.headers.get("Content-Length", "")
        if (length, digest) == previous and length:
            same += 1
            if same > 2:
                raise PagingStopped(
                    "The returned response was identical 5x, so requests got stopped"
                )
        else:
            same = 0
        previous = (length, digest)
        answers.append(answer)
        is_json = "application/json" in answer.headers.get("Content-Type", "")
        try:
            body: Any = json.loads(text) if is_json else text
        except ValueError:
            body = {}
        response = {
            "body": body,
            "headers": {k.lower(): v for k, v in answer.headers.items()},
            "statusCode": answer.status,
        }
        count += 1
        if pages.get("limitPagesFetched") and count >= int(value(pages.get("maxRequests", 100))):
            return answers
        if not value(pages["continue"]):
            return answers
        if pages.get("requestInterval"):
            await asyncio.sleep(float(value(pages["requestInterval"])) / 1000)
        if not 200 <= answer.status < 300:
            raise PageFailed(answer)


def _with_parameter(request: HttpRequest, kind: str, name: str, value: Any) -> HttpRequest:
    """One pagination parameter set on the page's request: query, header or JSON body field."""
    if not name:
        raise PagingStopped(
            "At least one entry with 'Name' and 'Value' filled must be included in 'Parameters' "
            "to use 'Update a Parameter in Each Request' mode "
        )
    if kind == "headers":
        return request._replace(headers={**request.headers, name.lower(): text_value(value)})
    if kind == "body":
        data = json.loads(request.body) if isinstance(request.body, bytes) and request.body else {}
        data[name] = value
        return request._replace(body=json.dumps(data, separators=(",", ":")).encode())
    kept = [(k, v) for k, v in request.query if k != name]
    return request._replace(query=(*kept, (name, text_value(value))))


def text_value(value: Any) -> str:
    """A parameter value as text in a request: booleans as JavaScript writes them, JSON else."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)
