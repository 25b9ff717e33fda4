"""``code``: n8n's Code node in JavaScript ("Run Once for All Items" or "… for Each Item"), run
in the expression sandbox with ``$input``, ``items``, ``item``, ``$json``, ``$('Node')``,
``DateTime``…; ``console.log`` goes to stderr. Python code is refused before anything runs."""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from typing import Any

from ... import expressions
from ...model import Definition, Item, PairedItem
from ...outcomes import Failure
from ..model import NodeFailed, WorkflowNode
from ..pairing import paired
from .base import Checker, NodeType, Outputs, Problems, Results, Run, failed

CODE = "n8n-nodes-base.code"
EACH = "runOnceForEachItem"


_ITEM_KEYS = {"json", "binary", "pairedItem", "error", "index"}
"""The keys an n8n item may have at its top level."""
_HINT = "Please return an array of objects, one for each item you would like to output."


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Results:
    """What the code returns, validated and normalised as n8n's Code node does it. Under
    continueOnFail a failure becomes an error item: one for the whole run (all items), or one
    in place of each item that failed (each item)."""
    code = node.get("jsCode", "")
    if node.get("mode", "runOnceForAllItems") == EACH:
        out: list[Item | Failure] = []
        for i in range(len(items)):
            try:
                _allowed_for_each(node, code, i)
                value = await _run(node, code, ctx, items, i, parent, each=True)
                item = _each_item(node, value, i)
            except NodeFailed as exc:
                error: Item = {"json": {"error": exc.reason}, "pairedItem": paired(i)}
                out.append(failed(node, exc, error))
                continue
            if item is not None:
                out.append({"json": item["json"], "pairedItem": _pairing(item, i)})
        return {"main": out}
    try:
        returned = _all_items(node, await _run(node, code, ctx, items, 0, parent, each=False))
    except NodeFailed as exc:
        return {"main": [failed(node, exc, {"json": {"error": exc.reason}})]}
    return paired_output(returned, items)


async def _run(
    node: WorkflowNode,
    code: str,
    ctx: Run,
    items: list[Item],
    index: int,
    parent: str | None,
    *,
    each: bool,
) -> Any:
    mode = EACH if each else "runOnceForAllItems"
    try:
        return await run_js(node, code, ctx, items, index, parent, mode)
    except expressions.ScriptError as exc:
        raise NodeFailed(node.name, index, str(exc), None) from None


async def run_js(
    node: WorkflowNode,
    code: str,
    ctx: Run,
    items: list[Item],
    index: int,
    parent: str | None,
    mode: str,
) -> Any:
    """A JavaScript node's code in the sandbox (``mode`` as expressions.run_code takes it); what
    it logs goes to stderr, a failure is the ScriptError. It runs on the execution's worker
    thread: a signal stops the run while the code still runs."""
    context = ctx.context(items, index, parent)
    value, logs = await expressions.offload(expressions.run_code, code, context, mode=mode)
    for line in logs:
        print(f"[{node.name}] {line}", file=sys.stderr)
    return value


def paired_output(returned: list[dict[str, Any]], items: list[Item]) -> Outputs:
    """Items returned by code over all items: paired one to one when as many came back, else
    with the first input item (n8n's assignPairedItems), unless the code set pairedItem."""
    one_to_one = len(returned) == len(items)
    return {
        "main": [
            {"json": r["json"], "pairedItem": _pairing(r, i if one_to_one else 0)}
            for i, r in enumerate(returned)
        ]
    }


def _fail(
    node: WorkflowNode, message: str, index: int | None = None, hint: str | None = None
) -> NodeFailed:
    """n8n's ValidationError: the item it concerns, when there is one, ends the message."""
    text = message if index is None else f"{message} [item {index}]"
    return NodeFailed(node.name, index or 0, text, hint)


def _allowed_for_each(node: WorkflowNode, code: str, index: int) -> None:
    """n8n refuses $input.all() and its kind in "Run Once for Each Item" before running."""
    found = re.search(r"\$input\.(first|last|all|itemMatching)", code)
    if not found:
        return
    for number, line in enumerate(code.split("\n"), 1):
        line = line.lstrip()
        if found.group(1) in line and not line.startswith(("//", "/*", "*")):
            raise NodeFailed(
                node.name,
                index,
                f"Can't use .{found.group(1)}() here [line {number}, for item {index}]",
                "This is only available in 'Run Once for All Items' mode",
            )


def _each_item(node: WorkflowNode, value: Any, index: int) -> dict[str, Any] | None:
    if value is None:  # null: no item
        return None
    if value is expressions.UNDEFINED or not isinstance(value, dict | list):
        raise _fail(node, "Code doesn't return an object", index)
    if isinstance(value, list):
        raise _fail(node, "Code doesn't return a single object", index)
    item = value if "json" in value else {"json": value}
    _valid_item(node, item, index)
    _known_keys(node, item, index)
    return item


def _all_items(node: WorkflowNode, value: Any) -> list[dict[str, Any]]:
    if value is None:  # null: no items
        return []
    if value is expressions.UNDEFINED or not isinstance(value, dict | list):
        raise _fail(node, "Code doesn't return items properly", hint=_HINT)
    if isinstance(value, list) and any(
        isinstance(v, dict) and _ITEM_KEYS & v.keys() for v in value
    ):
        for n, v in enumerate(value):
            _known_keys(node, v, n)
    try:
        items = normalize_items(value)
    except ValueError as exc:
        raise _fail(node, str(exc)) from None
    for n, item in enumerate(items):
        _valid_item(node, item, n)
    return items


def normalize_items(value: dict[str, Any] | list[Any]) -> list[dict[str, Any]]:
    """n8n's normalizeItems: one object is an item if its json is set, else the json; in a list
    items stay items and objects become their json (ValueError for a mix)."""
    values = (
        ([value] if value.get("json") else [{"json": value}]) if isinstance(value, dict) else value
    )
    for key in ("json", "binary"):
        has = [isinstance(v, dict) and key in v for v in values]
        if all(has):
            if key == "json":
                return list(values)
            return [
                {"json": {k: x for k, x in v.items() if k != "binary"}, "binary": v["binary"]}
                for v in values
            ]
        if any(has):
            raise ValueError("Inconsistent item format")
    return [{"json": v} for v in values]


def _valid_item(node: WorkflowNode, item: dict[str, Any], index: int) -> None:
    if not isinstance(item.get("json"), dict):
        raise _fail(node, "A 'json' property isn't an object", index, _HINT)
    if "binary" in item and not isinstance(item["binary"], dict):
        raise _fail(node, "A 'binary' property isn't an object", index)


def _known_keys(node: WorkflowNode, item: Any, index: int) -> None:
    for key in item if isinstance(item, dict) else ():
        if key not in _ITEM_KEYS:
            raise _fail(node, f"Unknown top-level item key: {key}", index)


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
    runs_code=True,
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


def _pairing(returned: Mapping[str, Any], index: int) -> PairedItem:
    """The pairedItem the code gave an item, else input item ``index``."""
    return returned["pairedItem"] if "pairedItem" in returned else paired(index)
