"""``split``: one item per element of an array field (n8n's Split Out)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...model import Definition, Item
from ..model import WorkflowNode
from .base import NodeType, Outputs, Run

SPLIT_OUT = "n8n-nodes-base.splitOut"


def dig(value: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Outputs:
    out: list[Item] = []
    for i, item in enumerate(items):
        values = dig(item["json"], node.get("field"))
        for value in values if isinstance(values, list) else []:
            out.append(
                {
                    "json": value if isinstance(value, dict) else {"value": value},
                    "pairedItem": {"item": i},
                }
            )
    return {"main": out}


def from_n8n(raw: Mapping[str, Any]) -> dict[str, Any]:
    params = raw.get("parameters") or {}
    return {"field": params.get("fieldToSplitOut", "")}


def to_n8n(node: WorkflowNode, definition: Definition) -> dict[str, Any]:
    return {
        "type": SPLIT_OUT,
        "typeVersion": 1,
        "parameters": {"fieldToSplitOut": node.get("field"), "options": {}},
    }


NODE = NodeType(
    name="split",
    description="One item per element of an array field.",
    run=run,
    properties={
        "field": {
            "description": "Dotted path of the array in each item's json.",
            "type": "string",
            "minLength": 1,
        }
    },
    required=("field",),
    n8n_types=(SPLIT_OUT,),
    from_n8n=from_n8n,
    to_n8n=to_n8n,
)
