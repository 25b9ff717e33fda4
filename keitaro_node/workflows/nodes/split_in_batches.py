"""``splitInBatches``: n8n's Split In Batches / Loop Over Items (versions 1–3). The first time it
runs it keeps its input and outputs the first batch; each time the loop brings items back it
outputs the next batch; when none is left, version 3 outputs every item that came back on
``done`` (version 2 on its second output; version 1 outputs nothing), which ends the loop.
``options.reset`` starts over with the input. Its state is the node's context, which
expressions read as ``$('Loop Over Items').context.noItemsLeft``."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ... import expressions
from ...model import Item
from ..model import WorkflowNode
from ..pairing import paired
from .base import NodeType, Outputs, Run, n8n_native

SPLIT_IN_BATCHES = "n8n-nodes-base.splitInBatches"
VERSION = 3


def _version(node: Mapping[str, Any]) -> float:
    return float(node.get("typeVersion", VERSION))


def output_names(node: Mapping[str, Any]) -> tuple[str, ...]:
    """Version 3: done, then loop; version 2: loop, then done; version 1: one output."""
    version = _version(node)
    if version >= 3:
        return ("done", "loop")
    return ("loop", "done") if version >= 2 else ("main",)


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Outputs:
    version = _version(node.config)
    params = expressions.resolve(node.get("parameters") or {}, ctx.context(items, 0, parent))
    size = int(params.get("batchSize", 1 if version >= 3 else 10))
    state = ctx.node_context(node.name)
    if "items" not in state or (params.get("options") or {}).get("reset") is True:
        state.clear()
        state.update(
            currentRunIndex=0,
            maxRunIndex=math.ceil(len(items) / size) if size else 0,
            items=[{"json": i["json"], "pairedItem": paired(n)} for n, i in enumerate(items)],
            processedItems=[],
            source=parent,
        )
    else:
        state["currentRunIndex"] += 1
        if version >= 2:
            state["processedItems"] += [{"json": i["json"]} for i in items]
    batch: list[Item] = state["items"][:size]
    state["items"] = state["items"][size:]
    ctx.pair_to(node.name, state["source"])  # its batches pair with the items it was given
    state["noItemsLeft"] = not state["items"]
    names = output_names(node.config)
    if not batch:
        state["done"] = True
        if version < 2:
            return {}
        done: list[Item] = [
            {"json": i["json"], "pairedItem": paired(n)}
            for n, i in enumerate(state["processedItems"])
        ]
        return {"done": done, "loop": []} if version >= 3 else {"loop": [], "done": done}
    state["done"] = False
    return {names[0]: [], names[1]: batch} if version >= 3 else {names[0]: batch}


NODE = NodeType(
    name="splitInBatches",
    description="Loop over items in batches (n8n's Split In Batches / Loop Over Items: "
    "batchSize, options.reset; version 3's outputs are done and loop).",
    run=run,
    output_names=output_names,
    loops=True,
    read_output="loop",
    **n8n_native(SPLIT_IN_BATCHES, VERSION),
)
