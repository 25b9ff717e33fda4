"""``executeWorkflow`` and ``executeWorkflowTrigger``: n8n's Execute Workflow (1–1.2) runs
another workflow, found by id or name (source ``database``: a served workflow, or one in the
caller's folder), read from a file (``localFile``, inside the workflow's folder) or given as JSON
(``parameter``), once with all items or once per item, and outputs what its last node output;
the child starts at its Execute Workflow Trigger (1, 1.1), which takes the items as they come or
only the inputs it defines."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ... import expressions
from ...model import Item
from ...outcomes import Failure
from ..model import NodeFailed, Workflow, WorkflowError, WorkflowNode
from ..pairing import paired
from .base import NodeType, Results, Run, continues, n8n_native, passed

EXECUTE = "n8n-nodes-base.executeWorkflow"
TRIGGER = "n8n-nodes-base.executeWorkflowTrigger"


def _inputs(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> list[Item]:
    """n8n's getCurrentWorkflowInputData: each item with the mapped inputs (1.2's
    workflowInputs.value, an expression per item) over its fields, less those removed."""
    mapping = (node.get("parameters") or {}).get("workflowInputs") or {}
    removed = {f.get("displayName") for f in mapping.get("schema") or [] if f.get("removed")}
    found: list[Item] = []
    for i, item in enumerate(items):
        value = expressions.resolve(mapping.get("value") or {}, ctx.context(items, i, parent))
        data = {**item["json"], **(value if isinstance(value, dict) else {})}
        found.append({"json": {k: v for k, v in data.items() if k not in removed}})
    return found


def _target(params: Mapping[str, Any], ctx: Run, index: int) -> Workflow:
    source = params.get("source", "database")
    try:
        if source == "database":
            chosen = params.get("workflowId")
            key = chosen.get("value") if isinstance(chosen, Mapping) else chosen
            return ctx.find_workflow(str(key or ""))
        if source == "localFile":
            path = ctx.path(str(params.get("workflowPath", "")))
            if not path.is_file():
                raise WorkflowError(f'The file "{path}" could not be found, [item {index}]')
            return ctx.load_workflow(path)
        if source == "parameter":
            return ctx.workflow_from_json(str(params.get("workflowJson", "")))
    except WorkflowError as exc:
        raise NodeFailed("", index, exc.message, None) from None
    raise NodeFailed("", index, f"the workflow source {source!r} is not supported here", None)


def _every(count: int) -> Any:
    """n8n's generatePairedItemData: an item that stands for all the input items."""
    return [paired(i) for i in range(count)]


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Results:
    inputs = _inputs(node, items, parent, ctx)
    raw = node.get("parameters") or {}
    first = expressions.resolve(raw, ctx.context(items, 0, parent))
    if first.get("mode", "once") == "each":
        out: list[Item | Failure] = []
        for i in range(len(items)):
            params = expressions.resolve(raw, ctx.context(items, i, parent))
            wait = bool((params.get("options") or {}).get("waitForSubWorkflow", True))
            try:
                got = await ctx.execute_workflow(_target(params, ctx, i), [inputs[i]], wait=wait)
            except NodeFailed as exc:
                message = f"Error executing workflow with item at index {i}"
                failure = NodeFailed(node.name, i, message, exc.reason)
                if not continues(node):
                    raise failure from None
                # n8n 1.95 puts the error of item i on output i: only the first one exists
                error: Item = {"json": {"error": exc.reason}, "pairedItem": paired(i)}
                out.append(Failure(i, failure, error if i == 0 else None))
                continue
            out += (
                [{"json": g["json"], "pairedItem": paired(i)} for g in got] if wait else [items[i]]
            )
        return {"main": out}
    wait = bool((first.get("options") or {}).get("waitForSubWorkflow", True))
    try:
        got = await ctx.execute_workflow(_target(first, ctx, 0), inputs, wait=wait)
    except NodeFailed as exc:
        failure = NodeFailed(node.name, exc.item_index, exc.reason, exc.description)
        if not continues(node):
            raise failure from None
        return {
            "main": [
                Failure(
                    0, failure, {"json": {"error": exc.reason}, "pairedItem": _every(len(items))}
                )
            ]
        }
    if not wait:
        return {"main": passed(items)}
    same = len(got) == len(items)
    for n, item in enumerate(got):  # n8n pairs only the items that are not paired yet
        if "pairedItem" not in item:
            got[n] = {**item, "pairedItem": paired(n) if same else _every(len(items))}
    return {"main": got}


def shaped(node: WorkflowNode, items: list[Item]) -> list[Item]:
    """What the Execute Workflow Trigger passes on: the items as they came (passthrough), or
    only the fields it defines (workflowInputs, jsonExample), missing ones null."""
    params = node.get("parameters") or {}
    source = params.get("inputSource", "passthrough")
    if source == "passthrough":
        return [{"json": i["json"]} for i in items]
    if source == "workflowInputs":
        names = [f.get("name") for f in (params.get("workflowInputs") or {}).get("values") or []]
    else:
        try:
            example = json.loads(str(params.get("jsonExample") or "{}"))
        except ValueError:
            example = {}
        names = list(example) if isinstance(example, dict) else []
    return [{"json": {n: i["json"].get(n) for n in names if n}} for i in items]


async def _passes(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Results:
    return {"main": passed(items)}


NODES = (
    NodeType(
        name="executeWorkflow",
        description="Run another workflow and output what its last node output (n8n's Execute "
        "Workflow: source database (workflowId: id or name), localFile or parameter; mode once "
        "or each; options.waitForSubWorkflow).",
        run=run,
        **n8n_native(EXECUTE, 1.2),
    ),
    NodeType(
        name="executeWorkflowTrigger",
        description="Where a workflow starts when another runs it (n8n's Execute Workflow "
        "Trigger: inputSource passthrough, workflowInputs or jsonExample).",
        run=_passes,
        manual=lambda node, ctx: shaped(node, [{"json": {}}]),
        shape=shaped,
        **n8n_native(TRIGGER, 1.1),
    ),
)
