"""``noop``: passes items through (n8n's No Operation, Manual Trigger and Sticky Note import
as this)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...model import Definition, Item
from ..model import WorkflowNode
from .base import NodeType, Outputs, Run, passed

NOOP = "n8n-nodes-base.noOp"


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Outputs:
    return {"main": passed(items)}


def from_n8n(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {}


def to_n8n(node: WorkflowNode, definition: Definition) -> dict[str, Any]:
    return {"type": NOOP, "typeVersion": 1, "parameters": {}}


NODE = NodeType(
    name="noop",
    description="Passes items through (n8n's No Operation node).",
    run=run,
    properties={},
    n8n_types=(NOOP,),
    from_n8n=from_n8n,
    to_n8n=to_n8n,
)
