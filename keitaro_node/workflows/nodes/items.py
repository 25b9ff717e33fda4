"""``items``: the start items of a workflow, written inline or read from a JSON, NDJSON or CSV
file. n8n's test-harness node ``n8n-nodes-testing.testData`` (its node tests' input) is read as
one, so that n8n's own test workflows run as they are."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ... import outputs
from ...model import Definition, Item
from ..model import WorkflowNode
from ..pairing import paired
from .base import NodeType, Outputs, Run


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Outputs:
    return {"main": read(node, ctx)}


def read(node: WorkflowNode, ctx: Run | _NoRun) -> list[Item]:
    if node.get("file"):
        return outputs.read_items(
            ctx.path(node.get("file")),
            node.get("format"),
            parse_numbers=bool(node.get("parseNumbers")),
        )
    return [{"json": dict(obj), "pairedItem": paired(0)} for obj in node.get("items", [])]


def to_n8n(node: WorkflowNode, definition: Definition) -> dict[str, Any]:
    """A Code node that returns the items (a file's items are read now and embedded)."""
    rows = (
        [i["json"] for i in read(node, _NoRun(node))] if node.get("file") else node.get("items", [])
    )
    code = "return " + json.dumps(rows, ensure_ascii=False, indent=2) + ";"
    return {"type": "n8n-nodes-base.code", "typeVersion": 2, "parameters": {"jsCode": code}}


def from_n8n(raw: Mapping[str, Any]) -> dict[str, Any]:
    """n8n's testData node: its ``data`` parameter, a list of items or one item."""
    data = (raw.get("parameters") or {}).get("data", [])
    return {"items": data if isinstance(data, list) else [data]}


def export_warnings(node: WorkflowNode) -> list[str]:
    if node.get("file"):
        return [f"the items of {node.get('file')} are embedded in a Code node as they are now"]
    return []


class _NoRun:
    """Just enough of a run to read an items file at export time (paths from the cwd)."""

    def __init__(self, node: WorkflowNode) -> None:
        self.node = node

    def path(self, value: str) -> Path:
        return Path(value)


NODE = NodeType(
    name="items",
    description="Start items: inline, or read from a JSON, NDJSON or CSV file.",
    run=run,
    n8n_types=("n8n-nodes-testing.testData",),
    from_n8n=from_n8n,
    to_n8n=to_n8n,
    export_warnings=export_warnings,
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
