"""``output``: write items (their json) to a file, atomically; the items pass through."""

from __future__ import annotations

from typing import Any

from ... import outputs
from ...model import Definition, Item
from ..model import WorkflowNode
from .base import NodeType, Outputs, Run, passed


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Outputs:
    out = passed(items)
    guard = not node.get("csvFormulas", False)
    outputs.write_items(out, ctx.path(node.get("path")), node.get("format"), formula_guard=guard)
    return {"main": out}


def to_n8n(node: WorkflowNode, definition: Definition) -> dict[str, Any]:
    return {"type": "n8n-nodes-base.noOp", "typeVersion": 1, "parameters": {}}


def export_warnings(node: WorkflowNode) -> list[str]:
    return [
        f"output writes {node.get('path')}: in n8n it is a No Operation node (n8n writes files "
        "with Convert to File and Read/Write Files from Disk)"
    ]


NODE = NodeType(
    name="output",
    description="Write items (their json) to a file, atomically; items pass through.",
    run=run,
    to_n8n=to_n8n,
    export_warnings=export_warnings,
    properties={
        "path": {
            "description": "File to write. A relative path starts at the workflow file's folder.",
            "type": "string",
            "minLength": 1,
        },
        "format": {
            "description": "json, ndjson or csv (default: from the file name).",
            "enum": ["json", "ndjson", "csv"],
        },
        "csvFormulas": {
            "description": "CSV only: write text cells that start with = + - @, a tab or "
            "a carriage return as they are. By default they get a leading "
            "' so that a spreadsheet does not run them as formulas (OWASP "
            "CSV injection).",
            "type": "boolean",
        },
    },
    required=("path",),
)
