"""``sort``: sort the items by fields, ascending or descending (n8n's Sort, simple mode), by a
comparison written in JavaScript (code mode, in the sandbox), or shuffle them (random mode)."""

from __future__ import annotations

import functools
import random
from typing import Any

from ... import expressions
from ...model import Item
from ..model import NodeFailed, WorkflowNode
from ..values import get_path
from .base import NodeType, Outputs, Run, n8n_native, passed


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
    if params.get("type") == "code":
        coded = await _by_code(node, params.get("code", ""), items, parent, ctx)
        return {"main": [out[i] for i in coded]}
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


async def _by_code(
    node: WorkflowNode, code: str, items: list[Item], parent: str | None, ctx: Run
) -> list[int]:
    """The order n8n's "code" mode gives: the code compares items ``a`` and ``b`` (in the
    sandbox, like a Code node)."""
    script = (
        "const compare = (a, b) => {\n" + code + "\n};\n"
        "return items.map((item, i) => [item, i]).sort((x, y) => compare(x[0], y[0]))"
        ".map((pair) => pair[1]);"
    )
    try:
        context = ctx.context(items, 0, parent)
        order, _ = await expressions.offload(expressions.run_code, script, context)
    except expressions.ScriptError as exc:
        raise NodeFailed(node.name, 0, str(exc), None) from None
    return [int(i) for i in order]


NODE = NodeType(
    name="sort",
    description="Sort items by fields, or shuffle them (n8n's Sort).",
    run=run,
    **n8n_native("n8n-nodes-base.sort", 1),
)
