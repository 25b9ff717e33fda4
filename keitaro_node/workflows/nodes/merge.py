"""``merge``: n8n's Merge node (versions 2.1 to 3.2): waits for its inputs, then appends them,
combines them by matching fields, by position or in all combinations, or passes one branch."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from ... import expressions
from ...model import Item
from ..model import NodeFailed, WorkflowNode
from ..values import get_path
from .base import Checker, NodeType, Outputs, Problems, Run, n8n_native

MERGE = "n8n-nodes-base.merge"


def _count(node: Mapping[str, Any]) -> int:
    return int((node.get("parameters") or {}).get("numberInputs", 2))


def _settings(params: Mapping[str, Any], version: float) -> dict[str, Any]:
    """Version 2's names in version 3's terms."""
    if version >= 3:
        return dict(params)
    mode = params.get("mode", "append")
    if mode != "combine":
        return dict(params)
    by = {"mergeByFields": "combineByFields", "mergeByPosition": "combineByPosition"}
    return {
        **params,
        "combineBy": by.get(params.get("combinationMode", "mergeByFields"), "combineAll"),
        "advanced": True,
    }


async def run_inputs(
    node: WorkflowNode, inputs: list[list[Item]], parent: str | None, ctx: Run
) -> Outputs:
    first = next((i for i in inputs if i), [])
    params = expressions.resolve(node.get("parameters") or {}, ctx.context(first, 0, parent))
    params = _settings(params, float(node.get("typeVersion", 3)))
    mode = params.get("mode", "append")
    options = params.get("options") or {}
    if mode == "append":
        return {
            "main": [
                _item(i["json"], n, k)
                for k, items in enumerate(inputs)
                for n, i in enumerate(items)
            ]
        }
    if mode == "chooseBranch":
        if params.get("output") == "empty":
            return {"main": [{"json": {}, "pairedItem": {"item": 0}}]}
        chosen = int(params.get("useDataOfInput", 1)) - 1
        return {"main": [_item(i["json"], n, chosen) for n, i in enumerate(inputs[chosen])]}
    if mode != "combine":
        raise NodeFailed(node.name, 0, f"the Merge mode {mode!r} is not supported here", None)
    left, right = [*inputs, [], []][:2]
    by = params.get("combineBy", "combineByFields")
    if by == "combineAll":
        return {
            "main": [
                _item(_join(a["json"], b["json"], options), n, 0)
                for n, a in enumerate(left)
                for b in right
            ]
        }
    if by == "combineByPosition":
        size = (
            max(len(left), len(right))
            if options.get("includeUnpaired")
            else min(len(left), len(right))
        )
        out = []
        for n in range(size):
            a = left[n]["json"] if n < len(left) else {}
            b = right[n]["json"] if n < len(right) else {}
            out.append(_item(_join(a, b, options), n, 0))
        return {"main": out}
    return {"main": _by_fields(node, params, left, right, options)}


def _pairs(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    if params.get("advanced") or params.get("mergeByFields"):
        values = (params.get("mergeByFields") or {}).get("values") or []
        return [(v.get("field1", ""), v.get("field2", "")) for v in values]
    names = [f.strip() for f in str(params.get("fieldsToMatchString", "")).split(",") if f.strip()]
    return [(f, f) for f in names]


def _by_fields(
    node: WorkflowNode,
    params: Mapping[str, Any],
    left: list[Item],
    right: list[Item],
    options: Mapping[str, Any],
) -> list[Item]:
    pairs = _pairs(params)
    if not pairs:
        raise NodeFailed(
            node.name,
            0,
            'You need to define at least one pair of fields in "Fields to Match" to match on',
            None,
        )
    dotted = not options.get("disableDotNotation", False)
    fuzzy = bool(options.get("fuzzyCompare"))

    def key(data: dict[str, Any], fields: list[str]) -> str:
        values = [get_path(data, f) if dotted else data.get(f) for f in fields]
        if fuzzy:
            values = [str(v) if v is not None else None for v in values]
        return json.dumps(values, sort_keys=True)

    join = params.get("joinMode", "keepMatches")
    source = params.get("outputDataFrom", "both")
    if not left or not right:  # n8n's shortcuts when an input is empty
        nothing = (
            join == "keepMatches"
            or (join == "keepNonMatches" and source == ("input1" if not left else "input2"))
            or (join == "enrichInput1" and not left)
            or (join == "enrichInput2" and not right)
        )
        if nothing:
            return []
        return [_item(i["json"], n, 0) for n, i in enumerate(left)] + [
            _item(i["json"], n, 1) for n, i in enumerate(right)
        ]
    first_only = options.get("multipleMatches") == "first"
    index: dict[str, list[int]] = {}
    for n, item in enumerate(right):
        index.setdefault(key(item["json"], [b for _, b in pairs]), []).append(n)
    matched_right: set[int] = set()
    out: list[Item] = []
    unmatched_left: list[int] = []
    for n, item in enumerate(left):
        hits = index.get(key(item["json"], [a for a, _ in pairs]), [])
        if first_only:
            hits = hits[:1]
        if not hits:
            unmatched_left.append(n)
            continue
        matched_right.update(hits)
        if join == "keepNonMatches":
            continue
        for m in hits:
            if join == "enrichInput2":
                continue
            if join == "keepMatches" and source == "input1":
                out.append(_item(copy.deepcopy(item["json"]), n, 0))
                break
            if join == "keepMatches" and source == "input2":
                out.append(_item(copy.deepcopy(right[m]["json"]), m, 1))
                continue
            out.append(_item(_join(item["json"], right[m]["json"], options), n, 0))
    if join == "enrichInput2":
        for m, item in enumerate(right):
            hits = [
                n
                for n, li in enumerate(left)
                if key(li["json"], [a for a, _ in pairs])
                == key(item["json"], [b for _, b in pairs])
            ]
            data = (
                _join(left[hits[0]]["json"], item["json"], options)
                if hits
                else copy.deepcopy(item["json"])
            )
            out.append(_item(data, m, 1))
        return out
    lone_left = [_item(copy.deepcopy(left[n]["json"]), n, 0) for n in unmatched_left]
    lone_right = [
        _item(copy.deepcopy(i["json"]), m, 1) for m, i in enumerate(right) if m not in matched_right
    ]
    if join == "keepNonMatches":
        if source == "input1":
            return lone_left
        if source == "input2":
            return lone_right
        for origin, items in (("input1", lone_left), ("input2", lone_right)):
            for item in items:
                item["json"]["_source"] = origin  # n8n marks where each unmatched item came from
        return lone_left + lone_right
    if join == "enrichInput1":
        return out + lone_left
    if join == "keepEverything":
        return out + lone_left + lone_right
    return out


def _join(a: dict[str, Any], b: dict[str, Any], options: Mapping[str, Any]) -> dict[str, Any]:
    """Input 1's fields, then input 2's: on a clash the later wins (n8n's default), or the one
    asked for; objects merge deeply unless shallowMerge."""
    clash = (options.get("clashHandling") or {}).get("values") or {}
    resolve = clash.get("resolveClash", "preferLast")
    deep = clash.get("mergeMode", "deepMerge") == "deepMerge"
    if resolve == "addSuffix":
        first = {f"{k}_1": v for k, v in a.items()}
        second = {f"{k}_2": v for k, v in b.items()}
        return {**copy.deepcopy(first), **copy.deepcopy(second)}
    low, high = (b, a) if resolve == "preferInput1" else (a, b)
    result = copy.deepcopy(low)
    _merge(result, high, deep)
    return result


def _merge(target: dict[str, Any], source: Mapping[str, Any], deep: bool) -> None:
    for k, v in source.items():
        if deep and isinstance(v, dict) and isinstance(target.get(k), dict):
            _merge(target[k], v, deep)
        else:
            target[k] = copy.deepcopy(v)


def _item(data: dict[str, Any], index: int, source: int) -> Item:
    return {
        "json": data,
        "pairedItem": {"item": index, "input": source} if source else {"item": index},
    }


def check(node: Mapping[str, Any], checker: Checker) -> Problems:
    version = float(node.get("typeVersion", 3))
    mode = (node.get("parameters") or {}).get("mode", "append")
    if version < 2.1:
        return [
            (
                ["typeVersion"],
                "Merge versions 1 and 2 are not supported: open the workflow in n8n 1.x and "
                "export it again (the node becomes version 2.1 or 3)",
            )
        ]
    if mode == "combineBySql":
        return [
            (
                ["parameters", "mode"],
                "Merge's SQL mode is not supported here (it runs AlaSQL): combine by fields, "
                "or use a Code node",
            )
        ]
    return []


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Outputs:
    return await run_inputs(node, [items], parent, ctx)


NODE = NodeType(
    name="merge",
    description="Wait for the inputs and merge them (n8n's Merge, versions 2.1-3.2).",
    run=run,
    run_inputs=run_inputs,
    input_count=_count,
    check=check,
    **n8n_native(MERGE, 3),
)
