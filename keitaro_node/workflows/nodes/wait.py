"""``wait``: pause, then pass the items on (n8n's Wait, "After Time Interval" only; a run is
not resumed by webhooks or dates here). Longer than WAIT_LIMIT seconds is refused."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ... import expressions
from ...model import Item
from ..model import WorkflowNode
from .base import Checker, NodeType, Outputs, Problems, Run, n8n_native, passed

WAIT_LIMIT = 300.0
UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


def _seconds(params: Mapping[str, Any]) -> float:
    amount = float(params.get("amount", 1))
    return amount * UNITS.get(params.get("unit", "hours"), 1)


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Outputs:
    params = expressions.resolve(node.get("parameters") or {}, ctx.context(items, 0, parent))
    await ctx.sleep(min(_seconds(params), WAIT_LIMIT))
    return {"main": passed(items)}


def check(node: Mapping[str, Any], checker: Checker) -> Problems:
    params = node.get("parameters") or {}
    resume = params.get("resume", "timeInterval")
    if resume != "timeInterval":
        return [
            (
                ["parameters", "resume"],
                f"Wait with resume {resume!r} is not supported here: only a time interval",
            )
        ]
    amount = params.get("amount", 1)
    if not (isinstance(amount, str) and amount.startswith("=")) and _seconds(params) > WAIT_LIMIT:
        return [
            (
                ["parameters", "amount"],
                f"waits longer than {WAIT_LIMIT:g} s are refused: schedule the rest instead",
            )
        ]
    return []


NODE = NodeType(
    name="wait",
    description="Pause, then pass the items on (n8n's Wait, a short time interval).",
    run=run,
    check=check,
    **n8n_native("n8n-nodes-base.wait", 1.1),
)
