"""``keitaro``: the Keitaro node: one resource operation per input item, with n8n's node settings
(onError, retries), concurrency, and resumable exports to a file (``streamTo``)."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from ... import expressions, outputs
from ...errors import InputError, Interrupted, RequestError
from ...model import JSON, Definition, Item
from ...node import KeitaroNode
from ...parameters import OperationInputs
from ..model import NodeFailed, WorkflowError, WorkflowNode
from .base import Checker, NodeType, Outputs, Problems, Run

KEITARO = "n8n-nodes-keitaro.keitaro"
CREDENTIAL_TYPE = "keitaroApi"
DEFAULT_TRIES, DEFAULT_WAIT_MS = 3, 1000


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Outputs:
    if ctx.credentials is None:
        raise WorkflowError(f"{ctx.source}: node {node.name!r}: no credentials")
    keitaro = KeitaroNode(ctx.credentials, rate_limit=node.get("rateLimit"), grace=ctx.grace)
    if node.get("streamTo"):
        return {"main": await stream(node, keitaro, items, parent, ctx)}
    on_error = node.get("onError", "stopWorkflow")
    params = node.get("parameters") or {}

    def parameters(_json: dict[str, JSON], index: int) -> Mapping[str, Any]:
        return expressions.resolve(params, ctx.context(items, index, parent))  # type: ignore[no-any-return]

    progress = ctx.progress(node.name)

    async def attempt(indexes: list[int]) -> list[Item]:
        subset = [items[i] for i in indexes]
        out = await keitaro.execute(
            subset,
            resource=node.get("resource"),
            operation=node.get("operation"),
            parameters=lambda js, k: parameters(js, indexes[k]),
            continue_on_fail=True,
            concurrency=node.get("concurrency", 4),
            split=node.get("split", False),
            on_progress=progress,
        )
        for item in out:
            item["pairedItem"] = {"item": indexes[item["pairedItem"]["item"]]}
        return out

    results: dict[int, list[Item]] = {}
    pending = list(range(len(items)))
    tries = min(max(node.get("maxTries", DEFAULT_TRIES), 2), 5) if node.get("retryOnFail") else 1
    wait = min(max(node.get("waitBetweenTries", DEFAULT_WAIT_MS), 0), 5000) / 1000
    for attempt_no in range(tries):
        if attempt_no:
            await ctx.sleep(wait)
        for item in await attempt(pending):
            results.setdefault(item["pairedItem"]["item"], []).append(item)
        pending = [i for i in pending if any(o["json"].get("success") is False for o in results[i])]
        if attempt_no + 1 < tries:
            for i in pending:
                del results[i]
        if not pending:
            break
    ordered = [o for i in sorted(results) for o in results[i]]
    failed = [o for o in ordered if o["json"].get("success") is False]
    if failed and on_error == "stopWorkflow":
        error = failed[0]["json"]["error"]
        raise NodeFailed(
            node.name,
            failed[0]["pairedItem"]["item"],
            error["message"],
            error.get("description"),
        )
    ctx.failed += len(failed)
    if on_error == "continueErrorOutput":
        ok = [o for o in ordered if o["json"].get("success") is not False]
        return {"main": ok, "error": merge_error_items(failed, items)}
    return {"main": ordered}


async def stream(
    node: WorkflowNode, keitaro: KeitaroNode, items: list[Item], parent: str | None, ctx: Run
) -> list[Item]:
    """Export mode: records go straight to the file; one summary item per input item.

    A stopped export keeps its partial file and a checkpoint; a run with ``resume``
    continues it from there into the same file an uninterrupted run writes.
    """
    path, params = ctx.path(node.get("streamTo")), node.get("parameters") or {}
    resolved = [
        expressions.resolve(params, ctx.context(items, i, parent)) for i in range(len(items))
    ]
    export = [node.get("resource"), node.get("operation"), node.get("streamFormat"), resolved]
    fingerprint = hashlib.sha256(json.dumps(export, sort_keys=True).encode()).hexdigest()

    progress = ctx.progress(node.name)

    def summary(i: int, count: int, fmt: str) -> Item:
        return {
            "json": {"path": str(path), "format": fmt, "count": count},
            "pairedItem": {"item": i},
        }

    guard = not node.get("csvFormulas", False)
    exporting = outputs.resumable_stream(
        path, node.get("streamFormat"), fingerprint, resume=ctx.resume, formula_guard=guard
    )
    with exporting as (writer, state):
        try:
            for i in range(state.item, len(items)):
                state.item = i
                async for page in keitaro.stream(
                    node.get("resource"),
                    node.get("operation"),
                    resolved[i],
                    on_progress=progress,
                    start=state.offset,
                ):
                    writer.write(rec if isinstance(rec, dict) else {"value": rec} for rec in page)
                    state.offset += len(page)
                state.done.append(state.offset)
                state.offset = 0
        except RequestError as exc:
            raise NodeFailed(node.name, state.item, exc.message, exc.description) from None
        except asyncio.CancelledError:
            done = [summary(i, n, writer.fmt) for i, n in enumerate(state.done)]
            raise Interrupted(
                done, len(items), f"{node.name} (partial export kept: run again with --resume)"
            ) from None
    return [summary(i, n, writer.fmt) for i, n in enumerate(state.done)]


def merge_error_items(errors: list[Item], inputs: Sequence[Item]) -> list[Item]:
    """n8n's error output: the failed item's json over its input item's json."""
    out: list[Item] = []
    for item in errors:
        index = item.get("pairedItem", {}).get("item", 0)
        source = inputs[index]["json"] if index < len(inputs) else {}
        out.append({"json": {**source, **item["json"]}, "pairedItem": {"item": index}})
    return out


def check(node: Mapping[str, Any], checker: Checker) -> Problems:
    """Resource, operation and every parameter that holds no expression, checked before running."""
    try:
        op = checker.definition.operation(node["resource"], node["operation"])
    except InputError as exc:
        key = "resource" if exc.property == "resource" else "operation"
        return [([key], exc.message)]
    problems: Problems = []
    params = node.get("parameters") or {}
    inputs = OperationInputs(op)
    for given, value in params.items():
        name = inputs.canonical(given)
        if name is None:
            problems.append((["parameters", given], inputs.unknown([given]).message))
        elif not expressions.has_expressions(value):
            try:
                inputs.check_one(name, value)
            except InputError as exc:
                problems.append((["parameters", given], exc.message))
    return problems


def from_n8n(raw: Mapping[str, Any]) -> dict[str, Any]:
    params = dict(raw.get("parameters") or {})
    options = params.pop("options", {}) or {}
    node: dict[str, Any] = {
        "resource": params.pop("resource", ""),
        "operation": params.pop("operation", ""),
        "parameters": params,
    }
    if "splitIntoItems" in options:
        node["split"] = bool(options["splitIntoItems"])
    if "concurrency" in options:
        node["concurrency"] = int(options["concurrency"])
    return node


def _without_defaults(definition: Definition, node: WorkflowNode) -> dict[str, Any]:
    """n8n omits parameters equal to their default; so do we."""
    op = definition.operation(node.get("resource"), node.get("operation"))
    params = dict(node.get("parameters") or {})
    for prop in op.properties:
        if prop.name in params and params[prop.name] == prop.default:
            del params[prop.name]
    return params


def to_n8n(node: WorkflowNode, definition: Definition) -> dict[str, Any]:
    params = {
        "resource": node.get("resource"),
        "operation": node.get("operation"),
        **_without_defaults(definition, node),
    }
    options = {
        k: v
        for k, v in (
            ("splitIntoItems", node.get("split")),
            ("concurrency", node.get("concurrency")),
        )
        if v is not None
    }
    if options:
        params["options"] = options
    return {
        "type": KEITARO,
        "typeVersion": 1,
        "parameters": params,
        "credentials": {CREDENTIAL_TYPE: {"id": "1", "name": "Keitaro account"}},
    }


def export_warnings(node: WorkflowNode) -> list[str]:
    """Settings of this project's Keitaro node that the n8n node does not have."""
    local = ("streamTo", "streamFormat", "rateLimit", "csvFormulas")
    return [
        f"{key}: {node.get(key)!r} has no counterpart in n8n's Keitaro node"
        for key in local
        if node.get(key) is not None
    ]


NODE = NodeType(
    name="keitaro",
    description="The Keitaro node: one resource operation per input item.",
    run=run,
    properties={
        "resource": {"description": "Resource value, e.g. campaign.", "type": "string"},
        "operation": {"description": "Operation value, e.g. getAll.", "type": "string"},
        "parameters": {
            "description": "Node parameters; strings starting with '=' are expressions.",
            "type": "object",
        },
        "concurrency": {
            "description": "Requests in flight at once (default 4).",
            "type": "integer",
            "minimum": 1,
            "maximum": 256,
        },
        "split": {"description": "Emit one item per record of a list result.", "type": "boolean"},
        "rateLimit": {
            "description": "At most this many requests per second (beside the concurrency bound).",
            "type": "number",
            "exclusiveMinimum": 0,
        },
        "streamTo": {
            "description": "Export mode for paged list operations: write every record "
            "straight to this file (relative to the workflow file's folder) "
            "as pages arrive, and output one summary item {path, format, "
            "count} per input item. Memory stays flat.",
            "type": "string",
            "minLength": 1,
        },
        "streamFormat": {
            "description": "Format of streamTo (default: from the file name).",
            "enum": ["json", "ndjson", "csv"],
        },
        "csvFormulas": {
            "description": "With streamTo: CSV only: write text cells that start with = + "
            "- @, a tab or a carriage return as they are. By default they "
            "get a leading ' so that a spreadsheet does not run them as "
            "formulas (OWASP CSV injection).",
            "type": "boolean",
        },
    },
    required=("resource", "operation"),
    check=check,
    n8n_types=(KEITARO,),
    from_n8n=from_n8n,
    to_n8n=to_n8n,
    export_warnings=export_warnings,
)
