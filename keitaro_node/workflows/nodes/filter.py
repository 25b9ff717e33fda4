"""``filter``: keep the items whose expression is true (``condition``), or that pass n8n's
Filter node conditions (``parameters``, versions 1 and 2)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ... import expressions
from ...model import Definition, Item
from ...outcomes import Failure
from ..model import NodeFailed, WorkflowNode
from .base import Checker, NodeType, Problems, Results, Run, n8n_native, passed
from .if_ import decide

FILTER = "n8n-nodes-base.filter"


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Results:
    """Under continueOnFail, an item whose conditions failed is left out (and counted)."""
    verdicts: list[bool | NodeFailed]
    if node.get("parameters") is not None:
        verdicts = decide(node, items, parent, ctx)
    else:
        condition = node.get("condition")
        verdicts = [
            bool(expressions.evaluate(condition, ctx.context(items, i, parent)))
            for i in range(len(items))
        ]
    kept: list[Item | Failure] = []
    for item, verdict in zip(passed(items), verdicts, strict=True):
        if isinstance(verdict, NodeFailed):
            kept.append(Failure(verdict.item_index, verdict, None))
        elif verdict:
            kept.append(item)
    return {"main": kept}


def check(node: Mapping[str, Any], checker: Checker) -> Problems:
    if ("condition" in node) == ("parameters" in node):
        return [([], "a filter has either 'condition' (an expression) or n8n's 'parameters'")]
    return []


from_n8n = n8n_native(FILTER, 2)["from_n8n"]


def to_n8n(node: WorkflowNode, definition: Definition) -> dict[str, Any]:
    if node.get("parameters") is not None:
        params = node.get("parameters")
        return {"type": FILTER, "typeVersion": node.get("typeVersion", 2), "parameters": params}
    code = node.get("condition")[1:]  # "={{ … }}": a boolean condition of n8n's Filter v2
    return {
        "type": FILTER,
        "typeVersion": 2,
        "parameters": {
            "conditions": {
                "options": {"caseSensitive": True, "leftValue": "", "typeValidation": "loose"},
                "conditions": [
                    {
                        "id": "1",
                        "leftValue": "=" + code,
                        "rightValue": "",
                        "operator": {"type": "boolean", "operation": "true", "singleValue": True},
                    }
                ],
                "combinator": "and",
            },
            "looseTypeValidation": True,
            "options": {},
        },
    }


NODE = NodeType(
    loops=True,
    name="filter",
    description="Keep the items whose expression is true, or that pass n8n's Filter conditions.",
    run=run,
    properties={
        "condition": {
            "description": "An expression, e.g. '={{ $json.success }}'.",
            "type": "string",
            "pattern": "^=",
        },
        "typeVersion": {"description": "n8n's Filter version (1, 2, 2.1, 2.2).", "type": "number"},
        "parameters": {"description": "n8n's Filter parameters (conditions, …).", "type": "object"},
    },
    check=check,
    n8n_types=(FILTER,),
    from_n8n=from_n8n,
    to_n8n=to_n8n,
)
