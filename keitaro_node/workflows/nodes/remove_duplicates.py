"""``removeDuplicates``: drop items equal to an earlier one, on all fields, all but some, or
selected fields (n8n's Remove Duplicates, "Remove Items Repeated Within Current Input")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cmp_to_key
from typing import Any

from ... import expressions
from ...model import Item
from ..model import NodeFailed, WorkflowNode
from ..pairing import paired
from ..values import equal_key, get_path, js_less, js_type, set_path
from .base import Checker, NodeType, Problems, Results, Run, failed, n8n_native, passed

_MISSING = object()


def _fields(value: Any) -> list[str]:
    if isinstance(value, dict):  # fieldsToCompare: {fields: [{fieldName}]} in version 1.0
        return [f.get("fieldName", "") for f in value.get("fields") or []]
    if isinstance(value, list):
        return [str(f).strip() for f in value]
    return [f.strip() for f in str(value or "").split(",") if f.strip()]


def _leaves(data: Any, prefix: str = "") -> list[str]:
    """n8n's flattenKeys: the dotted path of every leaf (an empty object or array has none)."""
    if isinstance(data, dict | list):
        pairs = data.items() if isinstance(data, dict) else enumerate(data)
        return [leaf for k, v in pairs for leaf in _leaves(v, f"{prefix}{k}.")]
    return [prefix[:-1]]


def _keys(
    node: WorkflowNode, params: Mapping[str, Any], items: list[Item], dotted: bool
) -> list[str]:
    """The fields compared, as n8n lists them: every field of every item, those of the first
    item but the excluded ones, or the selected ones."""
    compare = params.get("compare", "allFields")
    if compare == "selectedFields":
        fields = _fields(params.get("fieldsToCompare"))
        if not fields:
            raise NodeFailed(
                node.name, 0, "No fields specified. Please add a field to compare on", None
            )
        return fields
    names = (lambda data: _leaves(data)) if dotted else (lambda data: list(data))
    if compare == "allFieldsExcept":
        skip = _fields(params.get("fieldsToExclude"))
        if not skip:
            raise NodeFailed(
                node.name,
                0,
                "No fields specified. Please add a field to exclude from comparison",
                None,
            )
        return [k for k in names(items[0]["json"]) if k not in skip]
    return list(dict.fromkeys(k for item in items for k in names(item["json"])))


@dataclass(frozen=True)
class Variant:
    """How a version compares: whether a null may stand in any type, whether varying types are
    refused, and whether items are first ordered by their values' types."""

    skip_nulls: bool
    check_types: bool = True
    rank_types: bool = False


def _validate(
    node: WorkflowNode, items: list[Item], keys: list[str], value: Any, variant: Variant
) -> None:
    """n8n refuses to compare a field that some item lacks, or (by variant) whose type varies."""
    for key in keys:
        if not key:
            raise NodeFailed(node.name, 0, "Name of field to compare is blank", None)
        seen = None
        for item in items:
            v = value(item["json"], key)
            if v is None and variant.skip_nulls:
                continue
            if v is _MISSING:
                raise NodeFailed(
                    node.name, 0, f"'{key}' field is missing from some input items", None
                )
            kind = js_type(v)
            if variant.check_types and seen is not None and kind != seen:
                raise NodeFailed(node.name, 0, f"'{key}' isn't always the same type", None)
            seen = kind


def _type_rank(value: Any) -> int:
    """n8n's typeToNumber (Item Lists 3.1 orders by it first)."""
    if value is _MISSING:
        return 6
    if isinstance(value, list):
        return 9
    if value is None:
        return 10
    return {"string": 1, "number": 2, "boolean": 4, "object": 7}[js_type(value)]


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Results:
    version = float(node.get("typeVersion", 2))
    params = expressions.resolve(node.get("parameters") or {}, ctx.context(items, 0, parent))
    try:
        return {"main": deduplicated(node, items, params, Variant(skip_nulls=version > 1))}
    except NodeFailed as exc:  # version 2 reports the failure as its one item
        if version < 2:
            raise
        return {"main": [failed(node, exc, {"json": {"error": exc.reason}})]}


def deduplicated(
    node: WorkflowNode, items: list[Item], params: Mapping[str, Any], variant: Variant
) -> list[Item]:
    """n8n's "remove items repeated within current input" (also Item Lists' removeDuplicates):
    the fields compared, n8n's sort on them, its refusals, then each item equal to the one
    before it in that order dropped."""
    if not items:
        return []
    options = params.get("options") or {}
    dotted = not options.get("disableDotNotation", False)

    def value(data: dict[str, Any], key: str) -> Any:
        return get_path(data, key, _MISSING) if dotted else data.get(key, _MISSING)

    keys = _keys(node, params, items, dotted)
    marks = [tuple(equal_key(value(item["json"], k)) for k in keys) for item in items]

    def order(a: int, b: int) -> int:  # n8n sorts the items on the fields (lodash's lt) ...
        for n, k in enumerate(keys):
            x, y = value(items[a]["json"], k), value(items[b]["json"], k)
            if variant.rank_types and _type_rank(x) != _type_rank(y):
                return _type_rank(x) - _type_rank(y)
            if marks[a][n] != marks[b][n]:
                return -1 if js_less(x, y, _MISSING) else 1
        return 0

    ranked = sorted(range(len(items)), key=cmp_to_key(order))
    _validate(node, [items[i] for i in ranked], keys, value, variant)
    dropped, kept_mark = set(), marks[ranked[0]]
    for i in ranked[1:]:  # ... and drops each item equal to the one before it in that order
        if marks[i] == kept_mark:
            dropped.add(i)
        else:
            kept_mark = marks[i]
    kept = [i for i in range(len(items)) if i not in dropped]
    if not options.get("removeOtherFields"):
        return [{"json": items[i]["json"], "pairedItem": paired(i)} for i in kept]
    picked: list[Item] = []  # lodash's pick: only the fields compared stay
    for i in kept:
        data: dict[str, Any] = {}
        for k in keys:
            if (v := value(items[i]["json"], k)) is not _MISSING:
                set_path(data, k, v) if dotted else data.__setitem__(k, v)
        picked.append({"json": data})
    return passed(picked)


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
