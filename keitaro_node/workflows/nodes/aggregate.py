"""``aggregate``: all items into one (n8n's Aggregate): a list per field, or all items' data."""

from __future__ import annotations

import copy
from typing import Any

from ... import expressions
from ...model import Item
from ..model import NodeFailed, WorkflowNode
from ..values import get_path
from .base import NodeType, Outputs, Run, n8n_native

_MISSING = object()


def _names(value: Any) -> list[str]:
    """Field names: comma-separated text, or a list (older exports)."""
    if isinstance(value, list):
        return [str(v).strip() for v in value]
    return [f.strip() for f in str(value or "").split(",") if f.strip()]


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Outputs:
    params = expressions.resolve(node.get("parameters") or {}, ctx.context(items, 0, parent))
    options = params.get("options") or {}
    if options.get("groupByFields"):
        ctx.warn(node.name, "groupByFields came after n8n 1.95, which this runs as: one group")
    dotted = not options.get("disableDotNotation", False)
    paired = [{"item": i} for i in range(len(items))]
    if params.get("aggregate", "aggregateIndividualFields") == "aggregateAllItemData":
        include = params.get("include", "allFields")
        rows = []
        for item in items:
            data = item["json"]
            if include == "specifiedFields":
                data = {
                    f: get_path(data, f) if dotted else data.get(f)
                    for f in _names(params.get("fieldsToInclude"))
                }
            elif include == "allFieldsExcept":
                skip = set(_names(params.get("fieldsToExclude")))
                data = {k: v for k, v in data.items() if k not in skip}
            rows.append(copy.deepcopy(data))
        field = params.get("destinationFieldName", "data")
        return {"main": [{"json": {field: rows}, "pairedItem": paired}]}  # type: ignore[typeddict-item]
    result: dict[str, Any] = {}
    specs = (params.get("fieldsToAggregate") or {}).get("fieldToAggregate") or []
    if not specs:
        raise NodeFailed(node.name, 0, "No fields specified", "Please add a field to aggregate")
    for spec in specs:
        field = spec.get("fieldToAggregate", "")
        if spec.get("renameField"):
            name = spec.get("outputFieldName", field)
        else:  # with dot notation, a.b gives the list the name b
            name = field.split(".")[-1] if dotted else field
        values: list[Any] = []
        for item in items:
            value = (
                get_path(item["json"], field, _MISSING)
                if dotted
                else item["json"].get(field, _MISSING)
            )
            if value is _MISSING or value is None:
                if options.get("keepMissing"):
                    values.append(None)
                continue
            if options.get("mergeLists") and isinstance(value, list):
                values.extend(value)
            else:
                values.append(value)
        result[name] = values
    return {"main": [{"json": result, "pairedItem": paired}]}  # type: ignore[typeddict-item]


NODE = NodeType(
    name="aggregate",
    description="All items into one: a list per field, or every item's data (n8n's Aggregate).",
    run=run,
    **n8n_native("n8n-nodes-base.aggregate", 1),
)
