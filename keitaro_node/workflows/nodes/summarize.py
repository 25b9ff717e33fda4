"""``summarize``: n8n's Summarize node: count, sum, average, min, max, count unique, append or
concatenate fields, over all items or per group of the "split by" fields (one item per group,
or one item holding every group)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ... import expressions
from ...model import Item
from ..model import NodeFailed, WorkflowNode
from ..values import get_path, js_string
from .base import NodeType, Outputs, Run, n8n_native

PREFIX = {
    "append": "appended_",
    "average": "average_",
    "concatenate": "concatenated_",
    "count": "count_",
    "countUnique": "unique_count_",
    "max": "max_",
    "min": "min_",
    "sum": "sum_",
}
_UNSET = object()


def _empty(value: Any) -> bool:
    return value is _UNSET or value is None or value == ""


def _key(name: str) -> str:
    return (
        name.replace("[", "").replace("]", "").replace('"', "").replace(" ", "_").replace(".", "_")
    )


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _aggregate(rows: list[dict[str, Any]], entry: Mapping[str, Any], get: Any) -> Any:
    kind, field = entry.get("aggregation", "count"), entry.get("field", "")
    values = [get(row, field) for row in rows]
    keep_empty = entry.get("includeEmpty", False)
    if kind in ("average", "sum"):
        numbers = [v for v in values if _number(v)]
        total = sum(numbers)
        if kind == "sum":
            return total
        return total / len(numbers) if numbers else None  # JavaScript: 0 / 0, NaN, JSON null
    if kind == "append":
        return [None if v is _UNSET else v for v in values if keep_empty or not _empty(v)]
    if kind == "concatenate":
        separator = (
            entry.get("customSeparator", "")
            if entry.get("separateBy") == "other"
            else entry.get("separateBy", ",")
        )
        texts = []
        for v in values:
            if not keep_empty and _empty(v):
                continue
            if v is _UNSET:
                texts.append("undefined")
            elif isinstance(v, dict | list) or v is None:
                texts.append(json.dumps(v, separators=(",", ":"), ensure_ascii=False))
            else:
                texts.append(js_string(v))
        return str(separator).join(texts)
    if kind in ("min", "max"):
        present = [v for v in values if not _empty(v)]
        best: Any = None
        for v in present:
            try:
                better = best is None or (v < best if kind == "min" else v > best)
            except TypeError:
                better = False
            if better:
                best = v
        return best
    if kind == "countUnique":
        seen = {  # undefined (a missing field) is a value of its own, apart from null
            "\0undefined" if v is _UNSET else json.dumps(v, sort_keys=True)
            for v in values
            if keep_empty or not _empty(v)
        }
        return len(seen)
    return len([v for v in values if keep_empty or not _empty(v)])


def _group_value(value: Any, as_text: bool) -> Any:
    if isinstance(value, dict | list) and value:
        value = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if value is _UNSET:
        return "undefined" if as_text else _UNSET
    return js_string(value) if as_text else value


def _text(value: Any) -> str:
    return "undefined" if value is _UNSET else js_string(value)


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Outputs:
    params = expressions.resolve(node.get("parameters") or {}, ctx.context(items, 0, parent))
    options = params.get("options") or {}
    entries = [
        e
        for e in (params.get("fieldsToSummarize") or {}).get("values") or []
        if e.get("field", "") != ""
    ]
    if not entries:
        raise NodeFailed(
            node.name,
            0,
            "You need to add at least one aggregation to 'Fields to Summarize' with non empty "
            "'Field'",
            None,
        )
    dotted = not options.get("disableDotNotation", False)

    def get(row: dict[str, Any], field: str) -> Any:
        return get_path(row, field, _UNSET) if dotted else row.get(field, _UNSET)

    splits = [f.strip() for f in str(params.get("fieldsToSplitBy", "")).split(",") if f.strip()]
    as_text = float(node.get("typeVersion", 1.1)) == 1
    rows = [item["json"] for item in items]
    for entry in entries:
        if not any(get(r, entry["field"]) is not _UNSET for r in rows):
            message = f"The field '{entry['field']}' does not exist in any items"
            if float(node.get("typeVersion", 1.1)) > 1 or options.get("continueIfFieldNotFound"):
                ctx.warn(node.name, message)
            else:
                raise NodeFailed(node.name, 0, message, None)

    def summary(group: list[int]) -> dict[str, Any]:
        chosen = [rows[i] for i in group]
        return {
            _key(PREFIX.get(e.get("aggregation", "count"), "count_") + e["field"]): _aggregate(
                chosen, e, get
            )
            for e in entries
        }

    def groups(
        indexes: list[int], keys: list[str]
    ) -> list[tuple[list[tuple[str, Any]], list[int]]]:
        if not keys:
            return [([], indexes)]
        found: dict[str, tuple[Any, list[int]]] = {}
        for i in indexes:
            value = _group_value(get(rows[i], keys[0]), as_text)
            if options.get("skipEmptySplitFields") and not _number(value) and not value:
                continue
            mark = "\0undefined" if value is _UNSET else json.dumps(value, sort_keys=True)
            slot = found.setdefault(mark, (value, []))
            slot[1].append(i)
        out = []
        for value, members in found.values():
            for path, leaf in groups(members, keys[1:]):
                out.append(([(keys[0], value), *path], leaf))
        return out

    everything = list(range(len(rows)))
    if options.get("outputFormat") == "singleItem":
        nested: dict[str, Any] = {}
        for path, members in groups(everything, splits):
            if not path:
                nested = summary(members)
                continue
            target = nested
            for _, value in path[:-1]:
                target = target.setdefault(_text(value), {})
            target[_text(path[-1][1])] = summary(members)
        pairs = [{"item": i} for i in everything]
        return {"main": [{"json": nested, "pairedItem": pairs}]}  # type: ignore[typeddict-item]
    out: list[Item] = []
    for path, members in groups(everything, splits):
        data = summary(members)
        for field, value in reversed(path):
            if value is not _UNSET:  # undefined, which JSON leaves out
                data[_key(field)] = value
        out.append({"json": data, "pairedItem": [{"item": i} for i in members]})  # type: ignore[typeddict-item]
    return {"main": out}


NODE = NodeType(
    name="summarize",
    description="Count, sum, average… fields, over all items or per group (n8n's Summarize).",
    run=run,
    **n8n_native("n8n-nodes-base.summarize", 1.1),
)
