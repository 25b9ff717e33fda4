"""``filter``: keep the items whose expression is true."""

from __future__ import annotations

from ... import expressions
from ...model import Item
from ..model import WorkflowNode
from .base import NodeType, Outputs, Run, passed


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Outputs:
    condition = node.get("condition")
    keep = [
        item
        for i, item in enumerate(passed(items))
        if expressions.evaluate(condition, ctx.context(items, i, parent))
    ]
    return {"main": keep}


NODE = NodeType(
    name="filter",
    description="Keep the items whose expression is true.",
    run=run,
    properties={
        "condition": {
            "description": "An expression, e.g. '={{ $json.success }}'.",
            "type": "string",
            "pattern": "^=",
        }
    },
    required=("condition",),
)
