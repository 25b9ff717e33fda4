"""``split``: one item per element of a field (n8n's Split Out): arrays give their elements, an
object its values, a single value one item; several fields split side by side; the other
fields can be dropped, kept or chosen. A field found in no item is reported as a warning."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from ... import expressions
from ...model import Definition, Item
from ..model import NodeFailed, WorkflowNode
from ..pairing import paired
from ..values import get_path, unset_path
from .base import NodeType, Outputs, Run

SPLIT_OUT = "n8n-nodes-base.splitOut"


def _names(value: Any) -> list[str]:
    """Field names: comma-separated text, or a list (older exports)."""
    parts = value if isinstance(value, list) else str(value or "").split(",")
    return [str(f).strip().removeprefix("$json.") for f in parts if str(f).strip()]


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Outputs:
    fields = _names(node.get("field"))
    targets = _names(node.get("destinationFieldName"))
    if targets and len(targets) != len(fields):
        raise NodeFailed(
            node.name,
            0,
            "If multiple fields to split out are given, the same number of destination fields "
            "must be given",
            None,
        )
    dotted = not node.get("disableDotNotation", False)
    found: set[str] = set()
    out: list[Item] = []
    for i, item in enumerate(items):
        include = _include(node, items, i, parent, ctx)
        source = item["json"]
        rows: list[dict[str, Any]] = []
        for n, field in enumerate(fields):
            value = get_path(source, field) if dotted else source.get(field)
            exists = (field in source) if not dotted else _exists(source, field)
            if exists:
                found.add(field)
            elements = _elements(value) if exists else []
            name = targets[n] if targets else field
            for k, element in enumerate(elements):
                if k == len(rows):
                    rows.append({})
                merge = isinstance(element, dict) and include == "noOtherFields"
                if merge and not targets and len(fields) == 1:
                    rows[k].update(element)
                else:
                    rows[k][name] = element
        for row in rows:
            out.append(
                {
                    "json": _with_others(node, include, source, fields, row, dotted, i),
                    "pairedItem": paired(i),
                }
            )
    missing = [f for f in fields if f not in found]
    if missing and items:
        ctx.warn(node.name, f"the field(s) {', '.join(map(repr, missing))} were in no input item")
    return {"main": out}


INCLUDES = ("noOtherFields", "allOtherFields", "selectedOtherFields")


def _include(
    node: WorkflowNode, items: list[Item], index: int, parent: str | None, ctx: Run
) -> str:
    """The item's ``include``: an expression is evaluated per item, as n8n reads the parameter;
    anything but the three choices keeps no other fields (n8n's else branch)."""
    given = node.get("include", "noOtherFields")
    if isinstance(given, str) and given.startswith("="):
        given = expressions.resolve(given, ctx.context(items, index, parent))
    return given if given in INCLUDES else "noOtherFields"


def _exists(source: Any, dotted: str) -> bool:
    head, _, rest = dotted.partition(".")
    if not isinstance(source, dict) or head not in source:
        return False
    return not rest or _exists(source[head], rest)


def _elements(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return list(value.values())
    return [value]


def _with_others(
    node: WorkflowNode,
    include: str,
    source: dict[str, Any],
    fields: list[str],
    row: dict[str, Any],
    dotted: bool,
    index: int,
) -> dict[str, Any]:
    if include == "allOtherFields":
        rest = copy.deepcopy(source)
        for field in fields:
            unset_path(rest, field) if dotted else rest.pop(field, None)
        return {**rest, **row}
    if include == "selectedOtherFields":
        chosen = _names(node.get("fieldsToInclude"))
        if not chosen:
            raise NodeFailed(
                node.name, index, "No fields specified", "Please add a field to include"
            )
        for field in chosen:
            row[field] = get_path(source, field) if dotted else source.get(field)
    return row


def from_n8n(raw: Mapping[str, Any]) -> dict[str, Any]:
    params = raw.get("parameters") or {}
    options = params.get("options") or {}
    node: dict[str, Any] = {"field": params.get("fieldToSplitOut", "")}
    for key in ("include", "fieldsToInclude"):
        if key in params:
            node[key] = params[key]
    for key in ("destinationFieldName", "disableDotNotation"):
        if key in options:
            node[key] = options[key]
    return node


def to_n8n(node: WorkflowNode, definition: Definition) -> dict[str, Any]:
    params: dict[str, Any] = {"fieldToSplitOut": node.get("field")}
    for key in ("include", "fieldsToInclude"):
        if node.get(key) is not None:
            params[key] = node.get(key)
    params["options"] = {
        k: node.get(k) for k in ("destinationFieldName", "disableDotNotation") if node.get(k)
    }
    return {"type": SPLIT_OUT, "typeVersion": 1, "parameters": params}


NODE = NodeType(
    name="split",
    description="One item per element of a field (n8n's Split Out).",
    run=run,
    properties={
        "field": {
            "description": "The field(s) to split, comma-separated; dotted paths reach inside.",
            "type": "string",
            "minLength": 1,
        },
        "include": {
            "description": "The other fields: noOtherFields (default), allOtherFields, "
            "selectedOtherFields (fieldsToInclude), or an expression giving one of them.",
            "anyOf": [{"enum": list(INCLUDES)}, {"type": "string", "pattern": "^="}],
        },
        "fieldsToInclude": {
            "description": "Comma-separated (or a list), with selectedOtherFields.",
            "type": ["string", "array"],
        },
        "destinationFieldName": {"description": "Names for the split values.", "type": "string"},
        "disableDotNotation": {"description": "Field names are literal.", "type": "boolean"},
    },
    required=("field",),
    n8n_types=(SPLIT_OUT,),
    from_n8n=from_n8n,
    to_n8n=to_n8n,
)
