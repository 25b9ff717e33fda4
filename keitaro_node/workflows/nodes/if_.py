"""``if``: n8n's If node: each item goes to the ``true`` or the ``false`` output by its
conditions (version 2's typed conditions, or version 1's)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ... import expressions
from ...model import Item
from ..conditions import ConditionError, passes, passes_v1
from ..model import NodeFailed, WorkflowNode
from .base import NodeType, Outputs, Run, continues, n8n_native

IF = "n8n-nodes-base.if"


def decide(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> list[bool]:
    """Whether each item passes the node's conditions (shared with the Filter node)."""
    version = float(node.get("typeVersion", 2))
    verdicts = []
    for i in range(len(items)):
        params = expressions.resolve(node.get("parameters") or {}, ctx.context(items, i, parent))
        try:
            verdicts.append(_passes(params, version, i, ctx))
        except ConditionError as exc:
            if not continues(node):
                raise NodeFailed(node.name, i, str(exc), None) from None
            verdicts.append(False)
    return verdicts


def _passes(params: Mapping[str, Any], version: float, index: int, ctx: Run) -> bool:
    """Version 2 reads its settings from ``conditions.options``, which n8n's editor keeps in step
    with the node's "Ignore Case" and "Convert types where required"."""
    if version < 2:
        # If 1 names the combination combineOperation (all/any), Filter 1 combineConditions
        combine = params.get("combineOperation") or {"OR": "any"}.get(
            params.get("combineConditions", "AND"), "all"
        )
        return passes_v1(params.get("conditions") or {}, combine)
    return passes(params.get("conditions") or {}, index, ctx.timezone)


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Outputs:
    out: Outputs = {"true": [], "false": []}
    for i, verdict in enumerate(decide(node, items, parent, ctx)):
        out["true" if verdict else "false"].append(
            {"json": items[i]["json"], "pairedItem": {"item": i}}
        )
    return out


NODE = NodeType(
    name="if",
    description="Route each item to the 'true' or 'false' output (n8n's If node).",
    run=run,
    required=("parameters",),
    output_names=lambda node: ("true", "false"),
    **n8n_native(IF, 2),
)
