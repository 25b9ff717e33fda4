"""``keitaro``: the Keitaro node: one resource operation per input item, with n8n's node settings
(onError, retries), concurrency, and resumable exports to a file (``streamTo``)."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from ... import expressions, outputs
from ...core.parameters import OperationInputs
from ...errors import InputError, Interrupted, RequestError
from ...model import JSON, Definition, Item
from ...options import DEFAULT_CONCURRENCY
from ...outcomes import Failure, Success
from ..model import NodeFailed, WorkflowNode
from ..pairing import paired
from .base import KEITARO_CREDENTIALS, Checker, NodeType, Problems, Results, Run, continues, tracker

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ...node import KeitaroNode

KEITARO = "n8n-nodes-keitaro.keitaro"


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Results:
    if node.get("streamTo"):
        keitaro = _keitaro(node, ctx)
        return {"main": await stream(node, keitaro, items, parent, ctx)}
    return await retry(node, items, list(range(len(items))), parent, ctx)


async def retry(
    node: WorkflowNode, items: list[Item], indexes: list[int], parent: str | None, ctx: Run
) -> Results:
    """The operation for the input items at ``indexes`` (expressions still see every item).
    With retryOnFail every item is tried, so that the runner can try the failed ones again;
    otherwise a node that stops on a failed item starts no item after it."""
    params = node.get("parameters") or {}

    def parameters(_json: dict[str, JSON], k: int) -> Mapping[str, Any]:
        resolved = expressions.resolve(params, ctx.context(items, indexes[k], parent))
        return resolved  # type: ignore[no-any-return]

    outcomes = await _keitaro(node, ctx).outcomes(
        [items[i] for i in indexes],
        resource=node.get("resource"),
        operation=node.get("operation"),
        parameters=parameters,
        continue_on_fail=continues(node) or bool(node.get("retryOnFail")),
        concurrency=node.get("concurrency", DEFAULT_CONCURRENCY),
        split=node.get("split", False),
        on_progress=ctx.progress(node.name),
    )
    out: list[Item | Failure] = []
    for outcome in outcomes:
        index = indexes[outcome.index]
        if isinstance(outcome, Success):
            out.extend({**item, "pairedItem": paired(index)} for item in outcome.items)
        else:
            assert outcome.item is not None
            item: Item = {**outcome.item, "pairedItem": paired(index)}
            out.append(Failure(index, outcome.error, item))
    return {"main": out}


def _keitaro(node: WorkflowNode, ctx: Run) -> KeitaroNode:
    """A Keitaro node on the run's session, for the node's tracker."""
    return ctx.keitaro(node.get("rateLimit"), tracker(node, ctx))


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
    what = [node.get("resource"), node.get("operation"), node.get("streamFormat"), resolved]
    fingerprint = hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()

    progress = ctx.progress(node.name)

    def summary(i: int, count: int, fmt: str) -> Item:
        return {
            "json": {"path": str(path), "format": fmt, "count": count},
            "pairedItem": paired(i),
        }

    guard = not node.get("csvFormulas", False)
    exporting = outputs.resumable_stream(
        path, node.get("streamFormat"), fingerprint, resume=ctx.resume, formula_guard=guard
    )
    with exporting as export:
        writer, state = export.writer, export.state
        if writer.count or state.item or state.offset:
            ctx.warn(
                node.name,
                f"resuming the export into {path} at input item {state.item}, record "
                f"{state.offset} ({writer.count} rows already written)",
            )
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
                    export.checkpoint()
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


def check(node: Mapping[str, Any], checker: Checker) -> Problems:
    """Resource, operation and every parameter that holds no expression, checked before running."""
    try:
        op = checker.definition.operation(node["resource"], node["operation"])
    except InputError as exc:
        key = "resource" if exc.property == "resource" else "operation"
        return [([key], exc.message)]
    problems: Problems = []
    params = node.get("parameters") or {}
    inputs = OperationInputs.of(op)
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
    if isinstance((raw.get("credentials") or {}).get(KEITARO_CREDENTIALS), Mapping):
        node["credentials"] = {KEITARO_CREDENTIALS: dict(raw["credentials"][KEITARO_CREDENTIALS])}
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
        "credentials": {KEITARO_CREDENTIALS: {"id": "1", "name": "Keitaro account"}},
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
        "credentials": {
            "description": "{keitaroApi: NAME}: this node's tracker, by name from the "
            "credentials file (several trackers in one workflow); default: the run's.",
            "type": "object",
        },
        "concurrency": {
            "description": f"Requests in flight at once (default {DEFAULT_CONCURRENCY}).",
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
    retry=retry,
    routes_errors=True,
    n8n_types=(KEITARO,),
    from_n8n=from_n8n,
    to_n8n=to_n8n,
    export_warnings=export_warnings,
)
