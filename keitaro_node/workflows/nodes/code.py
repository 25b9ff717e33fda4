"""``code``: n8n's Code node in JavaScript ("Run Once for All Items" or "… for Each Item"), run
in the expression sandbox with ``$input``, ``items``, ``item``, ``$json``, ``$('Node')``,
``DateTime``…; ``console.log`` goes to stderr. Python code is refused before anything runs."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from ... import expressions
from ...model import Definition, Item
from ..model import NodeFailed, WorkflowNode
from .base import Checker, NodeType, Outputs, Problems, Run, continues

CODE = "n8n-nodes-base.code"
EACH = "runOnceForEachItem"


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Outputs:
    """Under continueOnFail, n8n's Code node outputs the error as an item: one for the whole
    run (all items), or one in place of each item that failed (each item)."""
    code = node.get("jsCode", "")
    if node.get("mode", "runOnceForAllItems") == EACH:
        out: list[Item] = []
        for i in range(len(items)):
            try:
                value = _run(node, code, ctx, items, i, parent, each=True)
                if value is None:
                    continue
                if not isinstance(value, dict):
                    raise NodeFailed(node.name, i, "Code doesn't return a single object", None)
                out.append(_item(node, value, i, i))
            except NodeFailed as exc:
                if not continues(node):
                    raise
                out.append({"json": {"error": exc.reason}, "pairedItem": {"item": i}})
        return {"main": out}
    try:
        value = _run(node, code, ctx, items, 0, parent, each=False)
        values = [value] if isinstance(value, dict) else value
        if not isinstance(values, list):
            raise NodeFailed(node.name, 0, "Code doesn't return items properly", _HINT)
        paired = len(values) == len(items)
        return {"main": [_item(node, v, i, i if paired else 0) for i, v in enumerate(values)]}
    except NodeFailed as exc:
        if not continues(node):
            raise
        return {"main": [{"json": {"error": exc.reason}}]}


_HINT = "Please return an array of objects, one for each item you would like to output."


def _run(
    node: WorkflowNode,
    code: str,
    ctx: Run,
    items: list[Item],
    index: int,
    parent: str | None,
    *,
    each: bool,
) -> Any:
    try:
        value, logs = expressions.run_code(code, ctx.context(items, index, parent), each_item=each)
    except expressions.ScriptError as exc:
        raise NodeFailed(node.name, index, str(exc), None) from None
    for line in logs:
        print(f"[{node.name}] {line}", file=sys.stderr)
    return value


def _item(node: WorkflowNode, value: Any, index: int, pair: int) -> Item:
    """n8n's normalisation: {json, pairedItem?} stays an item; any other object is its json."""
    if not isinstance(value, dict):
        raise NodeFailed(node.name, index, "Code doesn't return items properly", _HINT)
    if isinstance(value.get("json"), dict):
        return {"json": value["json"], "pairedItem": value.get("pairedItem", {"item": pair})}
    if "json" in value:
        raise NodeFailed(node.name, index, "A 'json' property isn't an object", _HINT)
    return {"json": value, "pairedItem": {"item": pair}}


def check(node: Mapping[str, Any], checker: Checker) -> Problems:
    if node.get("language", "javaScript") != "javaScript":
        return [
            (
                ["language"],
                f"Code nodes in {node['language']} are not supported here (only JavaScript runs, "
                "in the expression sandbox): rewrite the node in JavaScript",
            )
        ]
    return []


def from_n8n(raw: Mapping[str, Any]) -> dict[str, Any]:
    params = raw.get("parameters") or {}
    node = {k: params[k] for k in ("mode", "language") if k in params}
    node["jsCode"] = params.get("jsCode", "")
    if params.get("language", "javaScript") != "javaScript":
        node["jsCode"] = params.get("pythonCode", "")
    return node


def to_n8n(node: WorkflowNode, definition: Definition) -> dict[str, Any]:
    params = {"jsCode": node.get("jsCode", "")}
    if node.get("mode"):
        params["mode"] = node.get("mode")
    return {"type": CODE, "typeVersion": 2, "parameters": params}


NODE = NodeType(
    name="code",
    description="JavaScript over the items (n8n's Code node), in the expression sandbox.",
    run=run,
    properties={
        "mode": {
            "description": "runOnceForAllItems (default: return a list of items) or "
            "runOnceForEachItem (return one object per item).",
            "enum": ["runOnceForAllItems", EACH],
        },
        "language": {
            "description": "javaScript (python is refused).",
            "enum": ["javaScript", "python", "pythonNative"],
        },
        "jsCode": {"description": "The code: a function body that returns.", "type": "string"},
        "typeVersion": {"description": "n8n's Code node version.", "type": "number"},
    },
    required=("jsCode",),
    check=check,
    n8n_types=(CODE,),
    from_n8n=from_n8n,
    to_n8n=to_n8n,
)
