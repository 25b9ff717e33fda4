"""``sort``: sort the items by fields, ascending or descending (n8n's Sort, simple mode), or
shuffle them (random mode)."""

from __future__ import annotations

import functools
import random
from collections.abc import Mapping
from typing import Any

from ... import expressions
from ...model import Item
from ..model import WorkflowNode
from ..values import get_path
from .base import Checker, NodeType, Outputs, Problems, Run, n8n_native, passed


def _compare(a: Any, b: Any) -> int:
    """JavaScript's comparison as n8n's Sort makes it: text by locale, else < and >."""
    if isinstance(a, str) and isinstance(b, str):
        x, y = a.casefold(), b.casefold()
        return (x > y) - (x < y) or (a > b) - (a < b)
    try:
        return int(a > b) - int(a < b)
    except TypeError:
        return 0


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Outputs:
    params = expressions.resolve(node.get("parameters") or {}, ctx.context(items, 0, parent))
    out = passed(items)
    if params.get("type") == "random":
        random.shuffle(out)
        return {"main": out}
    dotted = not (params.get("options") or {}).get("disableDotNotation", False)
    fields = (params.get("sortFieldsUi") or {}).get("sortField") or []

    def order(x: Item, y: Item) -> int:
        for spec in fields:
            name = spec.get("fieldName", "")
            a = get_path(x["json"], name) if dotted else x["json"].get(name)
            b = get_path(y["json"], name) if dotted else y["json"].get(name)
            result = _compare(a, b)
            if result:
                return -result if spec.get("order") == "descending" else result
        return 0

    return {"main": sorted(out, key=functools.cmp_to_key(order))}


def check(node: Mapping[str, Any], checker: Checker) -> Problems:
    if (node.get("parameters") or {}).get("type") == "code":
        return [
            (
                ["parameters", "type"],
                "Sort with code is not supported: sort in a Code node (return "
                "items.sort(…)) or by fields",
            )
        ]
    return []


NODE = NodeType(
    name="sort",
    description="Sort items by fields, or shuffle them (n8n's Sort).",
    run=run,
    check=check,
    **n8n_native("n8n-nodes-base.sort", 1),
)
