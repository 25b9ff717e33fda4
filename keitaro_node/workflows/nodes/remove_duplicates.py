"""``removeDuplicates``: drop items equal to an earlier one, on all fields, all but some, or
selected fields (n8n's Remove Duplicates, "Remove Items Repeated Within Current Input")."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ... import expressions
from ...model import Item
from ..model import NodeFailed, WorkflowNode
from ..values import get_path
from .base import Checker, NodeType, Outputs, Problems, Run, n8n_native, passed


def _fields(value: Any) -> list[str]:
    if isinstance(value, dict):  # fieldsToCompare: {fields: [{fieldName}]} in version 1.0
        return [f.get("fieldName", "") for f in value.get("fields") or []]
    if isinstance(value, list):
        return [str(f).strip() for f in value]
    return [f.strip() for f in str(value or "").split(",") if f.strip()]


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Outputs:
    params = expressions.resolve(node.get("parameters") or {}, ctx.context(items, 0, parent))
    compare = params.get("compare", "allFields")
    options = params.get("options") or {}
    dotted = not options.get("disableDotNotation", False)
    seen: set[str] = set()
    out = []
    for i, item in enumerate(passed(items)):
        data = item["json"]
        if compare == "selectedFields":
            fields = _fields(params.get("fieldsToCompare"))
            if not fields:
                raise NodeFailed(
                    node.name, i, "No fields specified. Please add a field to compare on", None
                )
            key: Any = {f: get_path(data, f) if dotted else data.get(f) for f in fields}
        elif compare == "allFieldsExcept":
            skip = set(_fields(params.get("fieldsToExclude")))
            key = {k: v for k, v in data.items() if k not in skip}
        else:
            key = data
        text = json.dumps(key, sort_keys=True, ensure_ascii=False)
        if text not in seen:
            seen.add(text)
            # removeOtherFields: only the fields compared stay
            out.append({**item, "json": key} if options.get("removeOtherFields") else item)
    return {"main": out}


def check(node: Mapping[str, Any], checker: Checker) -> Problems:
    operation = (node.get("parameters") or {}).get("operation", "removeDuplicateInputItems")
    if operation != "removeDuplicateInputItems":
        return [
            (
                ["parameters", "operation"],
                f"{operation!r} needs n8n's deduplication history across executions, which "
                "runs here do not keep: only removeDuplicateInputItems is supported",
            )
        ]
    return []


NODE = NodeType(
    name="removeDuplicates",
    description="Drop items equal to an earlier one (n8n's Remove Duplicates).",
    run=run,
    check=check,
    **n8n_native("n8n-nodes-base.removeDuplicates", 2),
)
