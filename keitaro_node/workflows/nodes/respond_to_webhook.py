"""``respondToWebhook``: n8n's Respond to Webhook (versions 1–1.4): answers the request that
started the execution (a Webhook with responseMode ``responseNode``) and passes its items on.
First incoming item, all incoming items, JSON, text, redirect or no data; ``options``
responseCode, responseHeaders and responseKey. Binary and JWT answers are not supported here."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ... import expressions
from ...model import Item
from ..model import NodeFailed, Response, WorkflowNode
from ..values import set_path
from .base import NodeType, Outputs, Run, n8n_native, passed

RESPOND = "n8n-nodes-base.respondToWebhook"
VERSION = 1.4


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Outputs:
    version = float(node.get("typeVersion", VERSION))
    if version >= 1.1 and "webhook" not in ctx.ancestor_types(node.name):
        raise NodeFailed(
            node.name,
            0,
            "No Webhook node found in the workflow",
            "Insert a Webhook node to your workflow and set the “Respond” parameter to “Using "
            "Respond to Webhook Node” ",
        )
    params = expressions.resolve(node.get("parameters") or {}, ctx.context(items, 0, parent))
    response = _response(node, params, items)
    ctx.respond(response)
    outs: Outputs = {"main": passed(items)}
    if _response_output(node.config):
        body = {"body": response.body, "headers": dict(response.headers)}
        outs["response"] = [{"json": {"response": {**body, "statusCode": response.status}}}]
    return outs


def _response(node: WorkflowNode, params: Mapping[str, Any], items: list[Item]) -> Response:
    respond_with = params.get("respondWith", "firstIncomingItem")
    options = params.get("options") or {}
    headers = {
        str(entry.get("name")).lower(): str(entry.get("value", ""))
        for entry in (options.get("responseHeaders") or {}).get("entries") or []
    }
    status = int(options.get("responseCode") or 200)
    key = options.get("responseKey")
    body: Any = None
    if respond_with == "json":
        given = params.get("responseBody", '{\n  "myField": "value"\n}')
        if given and not isinstance(given, dict | list):
            try:
                body = json.loads(str(given))
            except ValueError:
                raise NodeFailed(
                    node.name,
                    0,
                    "Invalid JSON in 'Response Body' field",
                    "Check that the syntax of the JSON in the 'Response Body' parameter is valid",
                ) from None
        elif given:
            body = given
    elif respond_with in ("allIncomingItems", "firstIncomingItem"):
        body = (
            [i["json"] for i in items] if respond_with == "allIncomingItems" else items[0]["json"]
        )
        if key:
            keyed: dict[str, Any] = {}
            set_path(keyed, str(key), body)
            body = keyed
    elif respond_with == "text":
        body = str(params.get("responseBody", ""))
    elif respond_with == "redirect":
        headers["location"] = str(params.get("redirectURL", ""))
        status = int(options.get("responseCode") or 307)
    elif respond_with != "noData":
        raise NodeFailed(
            node.name, 0, f'The Response Data option "{respond_with}" is not supported!', None
        )
    return Response(status, headers, body)


def _response_output(node: Mapping[str, Any]) -> bool:
    """Version 1.3 always, 1.4 with enableResponseOutput: a second output with the response."""
    version = float(node.get("typeVersion", VERSION))
    enabled = (node.get("parameters") or {}).get("enableResponseOutput")
    return version == 1.3 or (version >= 1.4 and bool(enabled))


NODE = NodeType(
    name="respondToWebhook",
    description="Answers the request that started the execution (n8n's Respond to Webhook: "
    "respondWith firstIncomingItem, allIncomingItems, json, text, redirect or noData).",
    run=run,
    output_names=lambda node: ("main", "response") if _response_output(node) else ("main",),
    **n8n_native(RESPOND, VERSION),
)
