"""``stopAndError``: n8n's Stop and Error node: the run stops here with the message given (an
expression of the first item), or with an error object (n8n then reports an empty message and
the object as the description)."""

from __future__ import annotations

import json

from ... import expressions
from ...model import Item
from ..model import NodeFailed, WorkflowNode
from .base import NodeType, Outputs, Run, n8n_native

STOP = "n8n-nodes-base.stopAndError"


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Outputs:
    context = ctx.context(items, 0, parent)
    params = expressions.resolve(node.get("parameters") or {}, context)
    if params.get("errorType") != "errorObject":
        raise NodeFailed(node.name, 0, str(params.get("errorMessage", "")), None)
    given = params.get("errorObject", "")
    try:
        error = json.loads(given) if isinstance(given, str) else given
    except ValueError:
        raise NodeFailed(node.name, 0, f"The error object is no JSON: {given!r}", None) from None
    name = f'Workflow ID  "{ctx.context(items, 0, parent).workflow_name}" has failed'
    shown = {
        "name": "User-thrown error",
        "message": name,
        **(error if isinstance(error, dict) else {}),
    }
    raise NodeFailed(node.name, 0, "", json.dumps(shown, ensure_ascii=False))


NODE = NodeType(
    name="stopAndError",
    description="Stop the run with an error (n8n's Stop and Error: errorType errorMessage with "
    "errorMessage, or errorObject with a JSON object).",
    run=run,
    **n8n_native(STOP, 1),
)
