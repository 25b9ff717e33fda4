"""``itemLists``: n8n's Item Lists node (versions 3 and 3.1), the predecessor of the Split Out,
Aggregate, Remove Duplicates, Sort, Limit and Summarize nodes, whose operations run here as those
nodes (with the parameters they took over from it); its own ways of removing duplicates are
kept."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ... import expressions
from ...model import Item
from ..model import NodeFailed, WorkflowNode
from . import aggregate, limit, remove_duplicates, sort, split, summarize
from .base import Checker, NodeType, Problems, Results, Run, n8n_native

ITEM_LISTS = "n8n-nodes-base.itemLists"
OPERATIONS: dict[str, tuple[NodeType, float]] = {
    "concatenateItems": (aggregate.NODE, 1),
    "splitOutItems": (split.NODE, 1),
    "sort": (sort.NODE, 1),
    "limit": (limit.NODE, 1),
    "summarize": (summarize.NODE, 1.1),
}
"""Each operation: the node type that runs it, and that node's version it matches."""


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Results:
    params = node.get("parameters") or {}
    operation = params.get("operation", "splitOutItems")
    rest = {k: v for k, v in params.items() if k != "operation"}
    if operation == "removeDuplicates":
        version = float(node.get("typeVersion", 3.1))
        variant = remove_duplicates.Variant(
            skip_nulls=False, check_types=version < 3.1, rank_types=version >= 3.1
        )
        resolved = expressions.resolve(rest, ctx.context(items, 0, parent))
        return {"main": remove_duplicates.deduplicated(node, items, resolved, variant)}
    if operation not in OPERATIONS:
        raise NodeFailed(node.name, 0, f"The operation {operation!r} is not known", None)
    kind, version = OPERATIONS[operation]
    assert kind.from_n8n is not None
    raw = {"type": kind.n8n_types[0], "typeVersion": version, "parameters": rest}
    config = {**{k: v for k, v in node.config.items() if k != "parameters"}, **kind.from_n8n(raw)}
    return await kind.run(WorkflowNode(node.name, kind.name, config), items, parent, ctx)


def check(node: Mapping[str, Any], checker: Checker) -> Problems:
    if float(node.get("typeVersion", 3.1)) < 3:
        return [
            (
                ["typeVersion"],
                "Item Lists versions 1 and 2 are not supported: use the Split Out, Aggregate, "
                "Remove Duplicates, Sort, Limit or Summarize node (or Item Lists 3)",
            )
        ]
    return []


NODE = NodeType(
    name="itemLists",
    description="n8n's Item Lists node (3, 3.1): split out, concatenate, remove duplicates, "
    "sort, limit or summarize items.",
    run=run,
    check=check,
    **n8n_native(ITEM_LISTS, 3.1),
)
