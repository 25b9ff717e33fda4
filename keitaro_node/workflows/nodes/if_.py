"""``if``: n8n's If node: each item goes to the ``true`` or the ``false`` output by its
conditions (version 2's typed conditions, or version 1's)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ... import expressions
from ...model import Item
from ...outcomes import Failure
from ..conditions import ConditionError, passes, passes_v1
from ..model import NodeFailed, WorkflowNode
from .base import NodeType, Results, Run, continues, n8n_native, passed

IF = "n8n-nodes-base.if"


def decide(
    node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run
) -> list[bool | NodeFailed]:
    """Whether each item passes the node's conditions (shared with the Filter node), or why it
    could not be decided (under continueOnFail; otherwise that stops the run)."""
    version = float(node.get("typeVersion", 2))
    verdicts: list[bool | NodeFailed] = []
    for i in range(len(items)):
        params = expressions.resolve(node.get("parameters") or {}, ctx.context(items, i, parent))
        try:
            verdicts.append(_passes(params, version, i, ctx))
        except ConditionError as exc:
            stop = NodeFailed(node.name, i, str(exc), None)
            if not continues(node):
                raise stop from None
            verdicts.append(stop)
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


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Results:
    """n8n's If under continueOnFail sends an item whose conditions failed to ``false``."""
    out: dict[str, list[Item | Failure]] = {"true": [], "false": []}
    for item, verdict in zip(passed(items), decide(node, items, parent, ctx), strict=True):
        if isinstance(verdict, NodeFailed):
            out["false"].append(Failure(verdict.item_index, verdict, item))
        else:
            out["true" if verdict else "false"].append(item)
    return out


NODE = NodeType(
    loops=True,
    name="if",
    description="Route each item to the 'true' or 'false' output (n8n's If node).",
    run=run,
    required=("parameters",),
    output_names=lambda node: ("true", "false"),
    **n8n_native(IF, 2),
)
