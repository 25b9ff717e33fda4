"""``switch``: n8n's Switch node: each item goes to the output of the first rule it passes (or,
from version 3, of every rule with allMatchingOutputs), or to the fallback; in expression mode,
to the output whose number the expression gives. Versions 1 and 2 compare one value of a data
type with each rule's (as If version 1 does); version 1 has four outputs that rules name,
version 2 one output per rule; version 3 uses n8n's filter conditions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ... import expressions
from ...model import Item
from ...outcomes import Failure
from ..conditions import ConditionError, passes, rule_v1
from ..model import NodeFailed, WorkflowNode
from ..pairing import paired
from .base import NodeType, Results, Run, failed, n8n_native

SWITCH = "n8n-nodes-base.switch"
_V1_OPERATIONS = {
    "after",
    "before",
    "contains",
    "notContains",
    "endsWith",
    "notEndsWith",
    "equal",
    "notEqual",
    "larger",
    "largerEqual",
    "smaller",
    "smallerEqual",
    "startsWith",
    "notStartsWith",
    "regex",
    "notRegex",
}
"""Versions 1 and 2 compare as If version 1 does, without isEmpty and isNotEmpty."""


def _outputs(node: Mapping[str, Any]) -> tuple[str, ...]:
    params = node.get("parameters") or {}
    version = float(node.get("typeVersion", 3))
    if version < 2:
        count = 4
    elif version < 3:
        expression = params.get("mode") == "expression"
        count = int(params.get("outputsAmount", 4)) if expression else len(_rules_v1(params))
    elif params.get("mode") == "expression":
        count = int(params.get("numberOutputs", 4))
    else:
        count = len((params.get("rules") or {}).get("values") or [])
        if (params.get("options") or {}).get("fallbackOutput") == "extra":
            count += 1
    return tuple(str(i) for i in range(count))


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Results:
    names = _outputs(node.config)
    out: dict[str, list[Item | Failure]] = {name: [] for name in names}
    for i, item in enumerate(items):
        params = expressions.resolve(node.get("parameters") or {}, ctx.context(items, i, parent))
        try:
            if float(node.get("typeVersion", 3)) < 3:
                targets = _targets_v1(params, float(node.get("typeVersion", 3)), len(names))
            else:
                targets = _targets(params, i, ctx, len(names))
        except (ConditionError, ValueError) as exc:
            stop = NodeFailed(node.name, i, str(exc), None)  # n8n: the error, on output 0
            out[names[0]].append(failed(node, stop, {"json": {"error": str(exc)}}))
            continue
        for target in targets:
            out[names[target]].append({"json": item["json"], "pairedItem": paired(i)})
    return out


def _rules_v1(params: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list((params.get("rules") or {}).get("rules") or [])


def _output(target: Any, count: int, version: float) -> int:
    """n8n's checkIndexRange, with its messages (and their spelling) of each version."""
    number = int(target)
    if 0 <= number < count:
        return number
    if version < 3:
        raise ValueError(
            f"The ouput {number} is not allowed. It has to be between 0 and {count - 1}!"
        )
    raise ValueError(f"The ouput {number} is not allowed" + (". " if number == count else ""))


def _targets_v1(params: Mapping[str, Any], version: float, count: int) -> list[int]:
    """Versions 1 and 2: the first rule that ``value1`` passes; version 1 sends the item to the
    output the rule names, version 2 to the rule's own output."""
    if params.get("mode", "rules") == "expression":
        return [_output(params.get("output", 0), count, version)]
    kind = params.get("dataType", "number")
    for n, rule in enumerate(_rules_v1(params)):
        if rule.get("operation", "equal") not in _V1_OPERATIONS:  # n8n's TypeError, as it reads
            raise ValueError("compareOperationFunctions[ruleData.operation] is not a function")
        compared = {k: v for k, v in rule.items() if k in ("operation", "value2")}
        if "value1" in params:
            compared["value1"] = params["value1"]
        if kind == "dateTime":  # Switch's dateTime rules compare with 0 by default
            compared.setdefault("value2", 0)
        if rule_v1(kind, compared):
            return [_output(rule.get("output", 0), count, version) if version < 2 else n]
    fallback = int(params.get("fallbackOutput", -1))
    return [] if fallback == -1 else [_output(fallback, count, version)]


def _targets(params: Mapping[str, Any], index: int, ctx: Run, count: int) -> list[int]:
    if params.get("mode") == "expression":
        return [_output(params.get("output", 0), count, 3)]
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


NODE = NodeType(
    loops=True,
    name="switch",
    description="Route each item by rules or by an output number (n8n's Switch, 1-3.2).",
    run=run,
    output_names=_outputs,
    **n8n_native(SWITCH, 3),
)
