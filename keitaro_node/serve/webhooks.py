"""Webhook nodes as n8n 1.95 serves them: where each listens (``/webhook/<path>``, or
``/webhook/<webhookId>/<path>`` for a path with ``:parameter`` segments), who may call it
(authentication none, basic, header or bearer, through the node's credentials), the item a
request becomes, and what the caller gets back (immediately, when the last node finishes, or
from a Respond to Webhook node)."""

from __future__ import annotations

import base64
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from ..errors import InputError
from ..model import Item
from ..workflows.model import Response, Workflow, WorkflowNode

METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")
AUTH_CREDENTIALS = {
    "basicAuth": "httpBasicAuth",
    "headerAuth": "httpHeaderAuth",
    "bearerAuth": "httpBearerAuth",
}


@dataclass(frozen=True)
class Hook:
    """One Webhook node of a served workflow."""

    workflow: str
    """The served workflow's id."""
    node: WorkflowNode
    methods: tuple[str, ...]
    path: tuple[str, ...]
    """The path's segments after /webhook/ (``:name`` for a parameter)."""
    dynamic: bool
    problem: str | None = None
    """Why every request is refused (n8n's check of the response mode), or None."""

    @property
    def params(self) -> Mapping[str, Any]:
        return self.node.get("parameters") or {}

    @property
    def options(self) -> Mapping[str, Any]:
        return self.params.get("options") or {}

    @property
    def mode(self) -> str:
        return str(self.params.get("responseMode", "onReceived"))

    @property
    def url_path(self) -> str:
        return "/webhook/" + "/".join(self.path)

    def output(self, method: str) -> int:
        """The output a request leaves by (a Webhook for several methods has one each)."""
        return self.methods.index(method) if len(self.methods) > 1 else 0

    def match(self, method: str, segments: Sequence[str]) -> dict[str, str] | None:
        """The path parameters, when the request is for this hook (None: it is not)."""
        if method not in self.methods or len(segments) != len(self.path):
            return None
        found = {}
        for mine, theirs in zip(self.path, segments, strict=True):
            if mine.startswith(":"):
                found[mine[1:]] = theirs
            elif mine != theirs:
                return None
        return found


def hook(workflow: Workflow, workflow_id: str, node: WorkflowNode) -> Hook:
    """A Webhook node's registration; InputError for one n8n would not activate."""
    params = node.get("parameters") or {}
    given = params.get("httpMethod") or "GET"
    if params.get("multipleMethods") and "httpMethod" not in params:
        given = ["GET", "POST"]
    methods = tuple(m.upper() for m in ([given] if isinstance(given, str) else given))
    if not methods or any(m not in METHODS for m in methods):
        raise InputError(f"node {node.name!r}: httpMethod {given!r}: one of {', '.join(METHODS)}")
    path = str(params.get("path") or "").strip("/")
    segments = tuple(s for s in path.split("/") if s)
    dynamic = any(s.startswith(":") for s in segments)
    if dynamic:
        webhook_id = node.get("webhookId")
        if not webhook_id:
            raise InputError(
                f"node {node.name!r}: a path with :parameters is served under the node's "
                "webhookId (n8n writes one into every Webhook node): add webhookId"
            )
        segments = (str(webhook_id), *segments)
    if not segments:
        segments = (str(node.get("webhookId") or ""),)
        if not segments[0]:
            raise InputError(f"node {node.name!r}: the Webhook has no path")
    mode = params.get("responseMode", "onReceived")
    if mode not in ("onReceived", "lastNode", "responseNode"):
        raise InputError(f"node {node.name!r}: responseMode {mode!r} is not supported here")
    problem = _misconfigured(workflow, node, str(mode))
    return Hook(workflow_id, node, methods, segments, dynamic, problem)


def _misconfigured(workflow: Workflow, node: WorkflowNode, mode: str) -> str | None:
    """n8n's checkResponseModeConfiguration (Webhook version 2): what each request to the hook
    is answered with (500), when its response mode and its Respond to Webhook nodes disagree."""
    if float(node.get("typeVersion", 2)) < 2:
        return None
    reached, todo = set(), [node.name]
    while todo:
        for targets in workflow.connections.get(todo.pop(), {}).values():
            for target in targets:
                if target not in reached:
                    reached.add(target)
                    todo.append(target)
    responds = any(workflow.node(n).type == "respondToWebhook" for n in reached)
    if mode == "responseNode" and not responds:
        return "No Respond to Webhook node found in the workflow"
    if responds and mode != "responseNode":
        return "Webhook node not correctly configured"
    return None


def request_item(
    hook: Hook,
    *,
    headers: Sequence[tuple[str, str]],
    params: Mapping[str, str],
    query: str,
    body: bytes,
    content_type: str,
    url: str,
) -> Item:
    """The item n8n's Webhook makes of a request: headers (lower-case names, repeated ones
    joined), params, query and body (JSON, a form, or text parsed; anything else ``{}``), with
    webhookUrl and executionMode; ``rawBody``: the body as binary data too. ValueError for a
    body that does not parse as its type says."""
    joined: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        joined[key] = f"{joined[key]}, {value}" if key in joined else value
    parsed: Any = {}
    if body:
        text = body.decode("utf-8", "replace")
        if content_type == "application/json":
            parsed = json.loads(text)
        elif content_type == "application/x-www-form-urlencoded":
            parsed = _flat(parse_qs(text, keep_blank_values=True))
        elif content_type == "text/plain":
            parsed = text
    item: Item = {
        "json": {
            "headers": joined,
            "params": dict(params),
            "query": _flat(parse_qs(query, keep_blank_values=True)),
            "body": parsed,
            "webhookUrl": url,
            "executionMode": "production",
        }
    }
    if hook.options.get("rawBody"):
        data = base64.b64encode(body).decode()
        item["binary"] = {"data": {"data": data, "mimeType": content_type or "application/json"}}
    return item


def _flat(found: Mapping[str, list[str]]) -> dict[str, Any]:
    """Node's querystring.parse: a repeated key is a list, a single one a string."""
    return {k: v[0] if len(v) == 1 else v for k, v in found.items()}


def refusal(
    hook: Hook, headers: Mapping[str, str], credential: Mapping[str, str] | None
) -> tuple[int, str] | None:
    """Why a request may not start the workflow (status, message), n8n's words; None: it may."""
    auth = hook.params.get("authentication", "none")
    if auth == "none":
        return None
    if auth not in AUTH_CREDENTIALS:
        return 500, f"The authentication {auth!r} is not supported here"
    given = {k.lower(): v for k, v in headers.items()}
    if auth == "basicAuth":
        if not credential or not credential.get("user") or not credential.get("password"):
            return 500, "No authentication data defined on node!"
        sent = _basic(given.get("authorization", ""))
        if sent is None:
            return 401, "Authorization is required!"
        user_ok = _same(sent[0], credential["user"])
        return None if _same(sent[1], credential["password"]) and user_ok else _WRONG
    if auth == "bearerAuth":
        if not credential or not credential.get("token"):
            return 500, "No authentication data defined on node!"
        return (
            None if _same(given.get("authorization"), f"Bearer {credential['token']}") else _WRONG
        )
    if not credential or not credential.get("name") or not credential.get("value"):
        return 500, "No authentication data defined on node!"
    return None if _same(given.get(credential["name"].lower()), credential["value"]) else _WRONG


_WRONG = (403, "Authorization data is wrong!")


def _same(given: str | None, expected: str) -> bool:
    """Compared in constant time (a secret is not guessed from how long a refusal takes)."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _basic(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except ValueError:
        return None
    return (user, password) if sep else None


def response_code(hook: Hook) -> int:
    """n8n's getResponseCode: version 1's responseCode, version 2's options.responseCode."""
    if hook.params.get("responseCode"):
        return int(hook.params["responseCode"])
    values = (hook.options.get("responseCode") or {}).get("values") or {}
    return int(values.get("customCode") or values.get("responseCode") or 200)


def headers_of(hook: Hook) -> dict[str, str]:
    entries = (hook.options.get("responseHeaders") or {}).get("entries") or []
    return {str(e.get("name")).lower(): str(e.get("value", "")) for e in entries if e.get("name")}


def on_received(hook: Hook) -> Response:
    """responseMode onReceived: n8n answers at once."""
    data = hook.params.get("responseData") or hook.options.get("responseData")
    if hook.options.get("noResponseBody") or data == "noData":
        body: Any = None
    else:
        body = data if data else {"message": "Workflow was started"}
    return Response(response_code(hook), headers_of(hook), body)


def last_node(hook: Hook, items: Sequence[Item] | None, failed: bool) -> Response:
    """responseMode lastNode: the first output of the node that ran last, as responseData asks
    (firstEntryJson, allEntries, noData); a failed execution answers 500."""
    if failed:
        return Response(500, {}, {"message": "Error in workflow"})
    kind = hook.params.get("responseData", "firstEntryJson")
    headers = headers_of(hook)
    if kind == "noData":
        return Response(response_code(hook), headers, None)
    if kind == "firstEntryJson":
        if not items:
            return Response(500, {}, {"message": "No item to return was found"})
        body: Any = items[0]["json"]
        prop = hook.options.get("responsePropertyName")
        if prop:
            for key in str(prop).split("."):
                body = body.get(key) if isinstance(body, dict) else None
        content_type = hook.options.get("responseContentType")
        if content_type:
            headers = {"content-type": str(content_type), **headers}
        return Response(response_code(hook), headers, body)
    if kind == "firstEntryBinary":
        return Response(500, {}, {"message": "Binary responses are not supported here"})
    return Response(response_code(hook), headers, [i["json"] for i in items or ()])
