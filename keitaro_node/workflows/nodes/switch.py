"""``switch``: n8n's Switch node (version 3): each item goes to the output of the first rule it
passes (or of every rule, with allMatchingOutputs), or to the fallback; in expression mode, to
the output whose number the expression gives."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ... import expressions
from ...model import Item
from ..conditions import ConditionError, passes
from ..model import NodeFailed, WorkflowNode
from .base import Checker, NodeType, Outputs, Problems, Run, n8n_native

SWITCH = "n8n-nodes-base.switch"


def _outputs(node: Mapping[str, Any]) -> tuple[str, ...]:
    params = node.get("parameters") or {}
    if params.get("mode") == "expression":
        count = int(params.get("numberOutputs", 4))
    else:
        count = len((params.get("rules") or {}).get("values") or [])
        if (params.get("options") or {}).get("fallbackOutput") == "extra":
            count += 1
    return tuple(str(i) for i in range(count))


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Outputs:
    names = _outputs(node.config)
    out: Outputs = {name: [] for name in names}
    for i, item in enumerate(items):
        params = expressions.resolve(node.get("parameters") or {}, ctx.context(items, i, parent))
        try:
            targets = _targets(params, i, ctx, len(names))
        except (ConditionError, ValueError) as exc:
            if node.get("onError", "stopWorkflow") == "stopWorkflow":
                raise NodeFailed(node.name, i, str(exc), None) from None
            targets = [0]
        for target in targets:
            out[names[target]].append({"json": item["json"], "pairedItem": {"item": i}})
    return out


def _targets(params: Mapping[str, Any], index: int, ctx: Run, count: int) -> list[int]:
    if params.get("mode") == "expression":
        target = int(params.get("output", 0))
        if not 0 <= target < count:
            raise ValueError(
                f"The output {target} is not allowed. It has to be between 0 and {count - 1}!"
            )
        return [target]
    options = params.get("options") or {}
    rules = (params.get("rules") or {}).get("values") or []
    matched = []
    for n, rule in enumerate(rules):
        if passes(rule.get("conditions") or {}, index, ctx.timezone):
            matched.append(n)
            if not options.get("allMatchingOutputs"):
                break
    if matched:
        return matched
    fallback = options.get("fallbackOutput", "none")
    if fallback == "extra":
        return [len(rules)]
    if fallback not in ("none", None, ""):
        return [int(fallback)]
    return []


def check(node: Mapping[str, Any], checker: Checker) -> Problems:
    if float(node.get("typeVersion", 3)) < 3:
        return [
            (
                ["typeVersion"],
                "Switch versions 1 and 2 are not supported: open the workflow in n8n 1.x, which "
                "upgrades the node to version 3, and export it again",
            )
        ]
    return []


NODE = NodeType(
    name="switch",
    description="Route each item by rules or by an output number (n8n's Switch, version 3).",
    run=run,
    check=check,
    output_names=_outputs,
    **n8n_native(SWITCH, 3),
)
