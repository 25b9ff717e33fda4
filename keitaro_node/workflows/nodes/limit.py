"""``limit``: keep the first (or last) N items (n8n's Limit node)."""

from __future__ import annotations

from ... import expressions
from ...model import Item
from ..model import WorkflowNode
from .base import NodeType, Outputs, Run, n8n_native, passed


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Outputs:
    params = expressions.resolve(node.get("parameters") or {}, ctx.context(items, 0, parent))
    count = int(params.get("maxItems", 1))
    kept = passed(items)
    if len(kept) > count:
        kept = kept[-count:] if params.get("keep") == "lastItems" else kept[:count]
    return {"main": kept}


NODE = NodeType(
    name="limit",
    description="Keep the first or last N items (n8n's Limit: maxItems, keep).",
    run=run,
    **n8n_native("n8n-nodes-base.limit", 1),
)
