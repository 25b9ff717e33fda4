"""``httpRequest``: n8n's HTTP Request node, versions 3 and 4.0–4.2.

As n8n 1.95 sends and answers (checked against it through tests/oracle): method, URL, query,
headers and body (JSON, form-urlencoded, raw) from key/value pairs or JSON; responses
autodetected (JSON by content type, else text under ``data``), or JSON / text as asked; the full
response (``body``/``data``, ``headers``, ``statusCode``, ``statusMessage``); a JSON array is an
item per element; never-error; redirects followed (4.x by default, up to 21); the timeout
(default 300 s); batching (items per batch, interval). Errors are n8n's: the run stops with its
status message (404: "The resource you are requesting could not be found"), or an item continues
as ``{"error": {"message": '404 - "…"', "name": "AxiosError", "code", "status"}}``.

Requests go through the run's one session (its body cap; redirects followed here, at most
``maxRedirects``, never to a non-HTTP URL). Generic credentials (header, query, basic, bearer)
come by name from the run's credentials file. 4.x pagination: a parameter updated each page
(query, header, JSON body) or the next URL from the answer, until the answer is empty, given
status codes come, or an expression says so; ``$response``, ``$pageCount``, ``$request`` in its
expressions. Not yet: other credentials, proxies, multipart and binary bodies, file responses.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit

from ... import expressions
from ...core.client import status_message
from ...core.http import HttpRequest, RawResponse, Transport
from ...errors import InputError, TransportError
from ...model import Item
from ...outcomes import Failure
from ..http_pages import PageFailed, PagingStopped, paged, pagination
from ..http_pages import text_value as _text
from ..model import NodeFailed, WorkflowNode
from ..pairing import paired
from .base import (
    KEITARO_CREDENTIALS,
    Checker,
    NodeType,
    Problems,
    Results,
    Run,
    credential_name,
    failed,
    n8n_native,
    tracker,
)

HTTP = "n8n-nodes-base.httpRequest"
ACCEPT = {
    "json": "application/json,text/*;q=0.99",
    "text": "application/json,text/html,application/xhtml+xml,application/xml,text/*;q=0.9, "
    "*/*;q=0.1",
    "autodetect": "application/json,text/html,application/xhtml+xml,application/xml,"
    "text/*;q=0.9, image/*;q=0.8, */*;q=0.7",
}
REDIRECTS = (301, 302, 303, 307, 308)
NETWORK = {
    "ECONNREFUSED": "The service refused the connection - perhaps it is offline",
    "ETIMEDOUT": "The connection timed out, consider setting the 'Retry on Fail' option in "
    "the node settings",
    "ECONNRESET": "The connection to the server was closed unexpectedly, perhaps it is "
    "offline. You can retry the request immediately or wait and retry later.",
}
"""n8n's messages for requests that got no answer (n8n-workflow's NodeError)."""


class _Failed(Exception):
    """An item's request failed: the run stops with ``message``, or the item continues as
    ``{"error": error}``."""

    def __init__(self, message: str, error: Any) -> None:
        super().__init__(message)
        self.message, self.error = message, error


def _pairs(params: Mapping[str, Any], collection: str) -> dict[str, Any]:
    entries = (params.get(collection) or {}).get("parameters") or []
    return {e["name"]: e.get("value", "") for e in entries if e.get("name")}


def _json(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        raise ValueError("JSON parameter needs to be valid JSON") from None


def _request(params: Mapping[str, Any], version: float) -> tuple[HttpRequest, dict[str, Any]]:
    """The request of one item, and its response options."""
    options = params.get("options") or {}
    response = (options.get("response") or {}).get("response") or {}
    query: dict[str, Any] = {}
    if params.get("sendQuery"):
        json_query = params.get("specifyQuery") == "json"
        query = (
            _json(params.get("jsonQuery", "")) if json_query else _pairs(params, "queryParameters")
        )
    headers: dict[str, str] = {}
    if params.get("sendHeaders"):
        given = (
            _json(params.get("jsonHeaders", ""))
            if params.get("specifyHeaders") == "json"
            else _pairs(params, "headerParameters")
        )
        lower = options.get("lowercaseHeaders", True)
        headers = {(k.lower() if lower else k): str(v) for k, v in given.items()}
    method = str(params.get("method") or "GET").upper()
    body: Any = None
    content_type = params.get("contentType") or "json"
    if params.get("sendBody") and method in ("PATCH", "POST", "PUT", "GET"):
        if content_type == "raw":
            body = str(params.get("body", "")).encode()
            headers["content-type"] = str(params.get("rawContentType", ""))
        elif content_type == "form-urlencoded":
            form = _pairs(params, "bodyParameters")
            if params.get("specifyBody") == "string":
                form = dict(parse_qsl(str(params.get("body", "")), keep_blank_values=True))
            body = urlencode(form, quote_via=quote).encode()
            headers["content-type"] = "application/x-www-form-urlencoded"
        elif content_type == "json":
            data = (
                _json(params.get("jsonBody", ""))
                if params.get("specifyBody") == "json"
                else _pairs(params, "bodyParameters")
            )
            body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
            headers["content-type"] = "application/json"
        else:
            raise ValueError(f"the {content_type!r} body is not supported yet")
    response_format = response.get("responseFormat") or "autodetect"
    headers.setdefault("accept", ACCEPT.get(response_format, ACCEPT["autodetect"]))
    redirect = (options.get("redirect") or {}).get("redirect")
    follow = redirect.get("followRedirects", True) if redirect else version >= 4
    settings = {
        **response,
        "responseFormat": response_format,
        "redirects": int((redirect or {}).get("maxRedirects") or 21) if follow else 0,
    }
    timeout = float(options.get("timeout") or 300_000) / 1000
    url = str(params.get("url") or "")
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"Invalid URL: {url!r}" if url else "The URL is empty")
    query_pairs = tuple((str(k), _text(v)) for k, v in query.items())
    return HttpRequest(method, url, headers, query_pairs, body, timeout), settings


async def _send(transport: Transport, request: HttpRequest, redirects: int) -> RawResponse:
    """The answer, following up to ``redirects`` redirects as axios does (303, and 301/302
    after a POST, become a GET without a body)."""
    for _ in range(redirects + 1):
        answer = await transport.send(request)
        location = answer.headers.get("Location")
        if answer.status not in REDIRECTS or not location or not redirects:
            return answer
        url = urljoin(request.url, location)
        if urlsplit(url).scheme not in ("http", "https"):
            return answer
        method, body = request.method, request.body
        headers = request.headers
        if answer.status == 303 or (answer.status in (301, 302) and method == "POST"):
            method, body = "GET", None
            headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
        request = request._replace(method=method, url=url, query=(), body=body, headers=headers)
    raise _Failed(
        "Maximum number of redirects exceeded",
        {
            "message": "Maximum number of redirects exceeded",
            "name": "AxiosError",
            "code": "ERR_FR_TOO_MANY_REDIRECTS",
        },
    )


def _failure(answer: RawResponse) -> _Failed:
    """n8n's error for an answer with a status of 300 or more."""
    text = answer.body.decode("utf-8", errors="replace")
    error: dict[str, Any] = {
        "message": f"{answer.status} - {json.dumps(text, ensure_ascii=False)}",
        "name": "AxiosError",
    }
    if answer.status >= 400:
        error["code"] = "ERR_BAD_REQUEST" if answer.status < 500 else "ERR_BAD_RESPONSE"
    if answer.status == 429:  # n8n's advice replaces the message
        error["message"] = (
            "Try spacing your requests out using the batching settings under 'Options'"
        )
    return _Failed(status_message(answer.status), {**error, "status": answer.status})


def _unanswered(exc: TransportError) -> _Failed:
    code = "ECONNREFUSED" if not exc.sent else "ECONNRESET"
    if getattr(exc, "phase", None) in ("read", "connect", "pool", "write"):
        code = "ETIMEDOUT"
    return _Failed(NETWORK[code], {"message": exc.message, "name": "AxiosError", "code": code})


def _items(answer: RawResponse, settings: Mapping[str, Any], index: int) -> list[Item]:
    """n8n's output items of one answer."""
    kind = settings["responseFormat"]
    content_type = answer.headers.get("Content-Type", "")
    text = answer.body.decode("utf-8", errors="replace")
    if kind == "autodetect":
        kind = "json" if "application/json" in content_type else "text"
        if kind == "json":
            try:
                body: Any = json.loads(text)
            except ValueError:
                if not settings.get("neverError"):
                    raise ValueError("Invalid JSON in response body") from None
                body = {}
        else:
            body = text or None
    elif kind == "json":
        try:
            body = json.loads(text)
        except ValueError:
            raise ValueError(
                'Response body is not valid JSON. Change "Response Format" to "Text"'
            ) from None
    else:
        body = _as_text(text) if text else None
    name = settings.get("outputPropertyName") or "data"
    if settings.get("fullResponse"):
        meta = {
            "headers": {k.lower(): v for k, v in answer.headers.items()},
            "statusCode": answer.status,
            "statusMessage": answer.reason,
        }
        data = {"body": body} if kind == "json" else _text_field(name, body)
        return [{"json": {**data, **meta}, "pairedItem": paired(index)}]
    if kind == "text":
        return [{"json": _text_field(name, body), "pairedItem": paired(index)}]
    records = body if isinstance(body, list) else [body]
    return [
        {"json": r if isinstance(r, dict) else {name: r}, "pairedItem": paired(index)}
        for r in records
    ]


def _as_text(text: str) -> Any:
    """A body asked for as text, as n8n gives it: parsed as JSON when it is (axios), then an
    object written back compactly, a number or boolean kept (n8n's toText)."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    if isinstance(value, dict | list) or value is None:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return value


def _text_field(name: str, body: Any) -> dict[str, Any]:
    """``{name: text}``; nothing for an autodetected empty body (n8n's undefined)."""
    return {} if body is None else {name: body}


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Results:
    version = float(node.get("typeVersion", 4.2))
    try:
        pages = pagination(node.get("parameters") or {})
    except ValueError as exc:
        raise NodeFailed(node.name, 0, str(exc), None) from None
    raw = dict(node.get("parameters") or {})
    if pages is not None:  # its expressions are for each page, not for the item
        raw["options"] = {k: v for k, v in raw["options"].items() if k != "pagination"}
    prepared: list[tuple[HttpRequest, dict[str, Any]] | _Failed] = []
    for i in range(len(items)):
        params = expressions.resolve(raw, ctx.context(items, i, parent))
        try:
            request, settings = _request(params, version)
            prepared.append((_authenticated(request, node, params, ctx), settings))
        except (ValueError, TypeError, AttributeError) as exc:
            prepared.append(_Failed(str(exc), str(exc)))
        except InputError as exc:
            prepared.append(_Failed(exc.message, exc.message))
    batching = ((node.get("parameters") or {}).get("options") or {}).get("batching") or {}
    batch = batching.get("batch") or {}
    size = max(1, int(batch.get("batchSize") or 1))
    interval = float(batch.get("batchInterval") or 0) / 1000
    transport = ctx.transport()

    async def one(index: int) -> list[Item]:
        request = prepared[index]
        if isinstance(request, _Failed):
            raise request
        if interval and index >= size:
            await asyncio.sleep(interval * (index // size))
        try:
            if pages is not None:
                context = ctx.context(items, index, parent)
                send = functools.partial(_send, transport, redirects=request[1]["redirects"])
                answers = await paged(send, request[0], pages, context)
                return [item for a in answers for item in _items(a, request[1], index)]
            answer = await _send(transport, request[0], request[1]["redirects"])
        except TransportError as exc:
            raise _unanswered(exc) from None
        except PageFailed as exc:
            raise _failure(exc.answer) from None
        except PagingStopped as exc:
            raise _Failed(exc.message, exc.message) from None
        if answer.status >= 300 and not request[1].get("neverError"):
            raise _failure(answer)
        return _items(answer, request[1], index)

    done = await asyncio.gather(*(one(i) for i in range(len(items))), return_exceptions=True)
    out: list[Item | Failure] = []
    for i, result in enumerate(done):
        if isinstance(result, _Failed):
            stop = NodeFailed(node.name, i, result.message, None)
            out.append(
                failed(node, stop, {"json": {"error": result.error}, "pairedItem": paired(i)})
            )
        elif isinstance(result, ValueError):  # the answer cannot be read: the node fails
            raise NodeFailed(node.name, i, str(result), None)
        elif isinstance(result, BaseException):
            raise result
        else:
            out.extend(result)
    return {"main": out}


AUTH = ("httpHeaderAuth", "httpQueryAuth", "httpBasicAuth", "httpBearerAuth")
"""The generic credential types the node sends with (n8n's genericAuthType)."""
_AUTH_HELP = "generic credentials of the types " + ", ".join(AUTH)


def check(raw: Mapping[str, Any], checker: Checker) -> Problems:
    version = raw.get("typeVersion", 4.2)
    if isinstance(version, int | float) and version < 3:
        message = f"HTTP Request version {version} is not supported (3 to 4.2 are)"
        return [(["typeVersion"], message)]
    params = raw.get("parameters") or {}
    auth = params.get("authentication")
    predefined = params.get("nodeCredentialType")
    if auth == "predefinedCredentialType" and predefined != KEITARO_CREDENTIALS:
        message = f"the {predefined} credential is not supported yet (keitaroApi is; {_AUTH_HELP})"
        return [(["parameters", "nodeCredentialType"], message)]
    if auth not in (None, "none", "genericCredentialType", "predefinedCredentialType"):
        return [(["parameters", "authentication"], f"{auth} is not supported yet ({_AUTH_HELP})")]
    kind = params.get("genericAuthType")
    if auth == "genericCredentialType" and kind not in AUTH:
        return [(["parameters", "genericAuthType"], f"{kind} is not supported yet ({_AUTH_HELP})")]
    return []


def _authenticated(
    request: HttpRequest, node: WorkflowNode, params: Mapping[str, Any], ctx: Run
) -> HttpRequest:
    """The request with the node's credentials: generic ones, picked by name from the run's
    file, or the Keitaro tracker's key (an Admin API path the Keitaro node lacks)."""
    if params.get("authentication") == "predefinedCredentialType":
        key = tracker(node, ctx).api_key  # the credential's authenticate: the Api-Key header
        return request._replace(headers={**request.headers, "Api-Key": key})
    if params.get("authentication") != "genericCredentialType":
        return request
    kind = str(params.get("genericAuthType"))
    values = ctx.credential(kind, credential_name(node, kind))
    headers, query = dict(request.headers), list(request.query)
    if kind == "httpHeaderAuth":
        headers[values["name"]] = values["value"]
    elif kind == "httpQueryAuth":
        query.append((values["name"], values["value"]))
    elif kind == "httpBasicAuth":
        pair = f"{values['user']}:{values['password']}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    else:
        headers["Authorization"] = f"Bearer {values['token']}"
    return request._replace(headers=headers, query=tuple(query))


NODE = NodeType(
    name="httpRequest",
    description="Send an HTTP request per item (n8n's HTTP Request, versions 3 and 4.x): "
    "method, url, query, headers, body, options and generic credentials as n8n has them.",
    run=run,
    check=check,
    **n8n_native(
        HTTP,
        4.2,
        credentials="Credentials by n8n type, named as in the credentials file: "
        "{httpHeaderAuth: Bot} (n8n's {httpHeaderAuth: {id, name}} too).",
    ),
)
