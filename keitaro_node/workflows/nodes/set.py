"""``set``: set fields on each item (n8n's Set node, every version on import)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from ... import expressions
from ...model import Definition, Item
from ..model import WorkflowNode
from .base import NodeType, Outputs, Run

SET = "n8n-nodes-base.set"


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Outputs:
    out: list[Item] = []
    for i, item in enumerate(items):
        fields = expressions.resolve(node.get("fields"), ctx.context(items, i, parent))
        base = {} if node.get("keepOnlySet", True) else dict(item["json"])
        out.append({"json": {**base, **fields}, "pairedItem": {"item": i}})
    return {"main": out}


def from_n8n(params: Mapping[str, Any]) -> dict[str, Any]:
    if "assignments" in params:
        items = params["assignments"].get("assignments", [])
        fields = {a["name"]: a.get("value") for a in items}
        return {"fields": fields, "keepOnlySet": not params.get("includeOtherFields", False)}
    fields = {
        v["name"]: v.get("value") for group in params.get("values", {}).values() for v in group
    }
    return {"fields": fields, "keepOnlySet": bool(params.get("keepOnlySet", False))}


def to_n8n(node: WorkflowNode, definition: Definition) -> dict[str, Any]:
    assignments = [
        {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{node.name}/{k}")),
            "name": k,
            "value": v,
            "type": "string" if isinstance(v, str) else "number",
        }
        for k, v in node.get("fields").items()
    ]
    return {
        "type": SET,
        "typeVersion": 3.4,
        "parameters": {
            "assignments": {"assignments": assignments},
            "includeOtherFields": not node.get("keepOnlySet", True),
            "options": {},
        },
    }


NODE = NodeType(
    name="set",
    description="Set fields on each item (n8n's Set node).",
    run=run,
    properties={
        "fields": {"description": "Field name -> value or expression.", "type": "object"},
        "keepOnlySet": {
            "description": "Drop the other fields (default true, as n8n's Set v3).",
            "type": "boolean",
        },
    },
    required=("fields",),
    n8n_types=(SET,),
    from_n8n=from_n8n,
    to_n8n=to_n8n,
)
