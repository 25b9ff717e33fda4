"""``items``: the start items of a workflow, written inline or read from a JSON, NDJSON or CSV
file."""

from __future__ import annotations

from ... import outputs
from ...model import Item
from ..model import WorkflowNode
from .base import NodeType, Outputs, Run


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Outputs:
    return {"main": read(node, ctx)}


def read(node: WorkflowNode, ctx: Run) -> list[Item]:
    if node.get("file"):
        return outputs.read_items(
            ctx.path(node.get("file")),
            node.get("format"),
            parse_numbers=bool(node.get("parseNumbers")),
        )
    return [{"json": dict(obj), "pairedItem": {"item": 0}} for obj in node.get("items", [])]


NODE = NodeType(
    name="items",
    description="Start items: inline, or read from a JSON, NDJSON or CSV file.",
    run=run,
    properties={
        "items": {
            "description": "Inline items (each an object).",
            "type": "array",
            "items": {"type": "object"},
        },
        "file": {
            "description": "File to read, relative to the workflow file.",
            "type": "string",
            "minLength": 1,
        },
        "format": {
            "description": "File format (default: from the file name).",
            "enum": ["json", "ndjson", "csv"],
        },
        "parseNumbers": {
            "description": "CSV only: turn numeric-looking values into numbers.",
            "type": "boolean",
        },
    },
)
