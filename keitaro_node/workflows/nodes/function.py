"""``function``: n8n's older Function node (JavaScript over ``items``, returning items) and
Function Item node (``each``: JavaScript over one item's json in ``item``, returning the new
json), which n8n 1.x still runs; in the expression sandbox, like the Code node."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ... import expressions
from ...model import Definition, Item
from ...outcomes import Failure
from ..model import NodeFailed, WorkflowNode
from ..pairing import paired
from .base import NodeType, Results, Run, failed
from .code import normalize_items, paired_output, run_js

FUNCTION = "n8n-nodes-base.function"
FUNCTION_ITEM = "n8n-nodes-base.functionItem"


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Results:
    """As n8n runs them; under continueOnFail a failure is an error item with the JavaScript
    error's own message (n8n adds the line only to an error that stops the run)."""
    if node.get("each"):
        out: list[Item | Failure] = []
        for i in range(len(items)):
            try:
                data = await _code(node, ctx, items, i, parent, "functionItem")
                if not isinstance(data, dict):
                    raise _Failed("No data got returned. Always an object has to be returned!")
            except (expressions.ScriptError, _Failed) as exc:
                stop = NodeFailed(node.name, i, str(exc), None)
                out.append(failed(node, stop, {"json": {"error": _detail(exc)}}))
                continue
            out.append({"json": data, "pairedItem": paired(i)})
        return {"main": out}
    try:
        returned = _items(await _code(node, ctx, items, 0, parent, "function"))
    except (expressions.ScriptError, _Failed) as exc:
        stop = NodeFailed(node.name, 0, str(exc), None)
        return {"main": [failed(node, stop, {"json": {"error": _detail(exc)}})]}
    return paired_output(returned, items)


class _Failed(Exception):
    """What the code returned is refused (n8n's message)."""


def _detail(exc: Exception) -> str:
    return exc.detail if isinstance(exc, expressions.ScriptError) else str(exc)


async def _code(
    node: WorkflowNode, ctx: Run, items: list[Item], index: int, parent: str | None, mode: str
) -> Any:
    return await run_js(node, node.get("functionCode", ""), ctx, items, index, parent, mode)


def _items(value: Any) -> list[dict[str, Any]]:
    """The Function node's normalisation and checks of what the code returned, with the
    messages n8n 1.95 gives (for what is no list of items, those of its own TypeErrors)."""
    if value is expressions.UNDEFINED:
        raise _Failed("Cannot read properties of undefined (reading 'every')")
    if value is None:
        raise _Failed("Cannot read properties of null (reading 'json')")
    if not isinstance(value, dict | list):
        raise _Failed("executionData.every is not a function")
    try:
        returned = normalize_items(value)
    except ValueError as exc:
        raise _Failed(str(exc)) from None
    for item in returned:  # n8n checks typeof "object": an array (or null) passes
        if not isinstance(item["json"], dict | list) and item["json"] is not None:
            raise _Failed("The json-property has to be an object!")
    return returned


def from_n8n(raw: Mapping[str, Any]) -> dict[str, Any]:
    params = raw.get("parameters") or {}
    node: dict[str, Any] = {"functionCode": params.get("functionCode", "")}
    if raw.get("type") == FUNCTION_ITEM:
        node["each"] = True
    return node


def to_n8n(node: WorkflowNode, definition: Definition) -> dict[str, Any]:
    kind = FUNCTION_ITEM if node.get("each") else FUNCTION
    return {
        "type": kind,
        "typeVersion": 1,
        "parameters": {"functionCode": node.get("functionCode", "")},
    }


NODE = NodeType(
    runs_code=True,
    name="function",
    description="JavaScript as n8n's older Function / Function Item nodes ran it (in the sandbox).",
    run=run,
    properties={
        "functionCode": {
            "description": "The code: a function body that returns.",
            "type": "string",
        },
        "each": {
            "description": "Function Item: once per item, `item` is its json; return the json.",
            "type": "boolean",
        },
    },
    required=("functionCode",),
    n8n_types=(FUNCTION, FUNCTION_ITEM),
    from_n8n=from_n8n,
    to_n8n=to_n8n,
)
