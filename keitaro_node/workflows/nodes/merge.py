"""``merge``: n8n's Merge node (versions 1 to 3.2): waits for its inputs, then appends them,
combines them by matching fields, by position or in all combinations, or passes one branch.

Version 2 and version 3 differ in names (``combinationMode`` / ``combineBy``), in what a clash
resolution swaps, and in how an empty input is treated; version 1 has modes of its own (merge by
index or by key, keep or remove key matches, pass through, wait). Each is followed here as n8n
1.95 runs it."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from ... import expressions
from ...model import Item
from ..model import NodeFailed, WorkflowNode
from ..values import equal_key, fuzzy_equal, get_path, js_text
from .base import Checker, NodeType, Outputs, Problems, Run, n8n_native

MERGE = "n8n-nodes-base.merge"
_MISSING = object()
_V2_COMBINE = {
    "mergeByFields": "combineByFields",
    "mergeByPosition": "combineByPosition",
    "multiplex": "combineAll",
}

Paired = dict[str, int]
Entry = tuple[dict[str, Any], list[Paired]]  # an item's data and where it came from


def _count(node: Mapping[str, Any]) -> int:
    """How many inputs (version 3's numberInputs, 2 to 10; 2 otherwise)."""
    params = node.get("parameters")
    count = params.get("numberInputs", 2) if isinstance(params, dict) else 2
    return count if isinstance(count, int) and 2 <= count <= 10 else 2


def _required(node: Mapping[str, Any]) -> tuple[int, ...]:
    """n8n's requiredInputs: Choose Branch runs only when inputs 1 and 2 have data."""
    params = node.get("parameters")
    mode = params.get("mode", "append") if isinstance(params, dict) else "append"
    return (0, 1) if mode == "chooseBranch" else ()


async def run_inputs(
    node: WorkflowNode, inputs: list[list[Item]], parent: str | None, ctx: Run
) -> Outputs:
    first = next((i for i in inputs if i), [])
    params = expressions.resolve(node.get("parameters") or {}, ctx.context(first, 0, parent))
    version = float(node.get("typeVersion", 3))
    entries = [
        [(item["json"], [_origin(n, k)]) for n, item in enumerate(items)]
        for k, items in enumerate(inputs)
    ]
    entries += [[] for _ in range(2 - len(entries))]
    mode = params.get("mode", "append")
    options = params.get("options") or {}
    clash = (options.get("clashHandling") or {}).get("values") or {}
    if version < 2 and mode != "append":
        out = _v1(params, mode, entries[0], entries[1])
    elif mode == "append":
        out = [e for each in entries for e in each]
    elif mode == "chooseBranch":
        out = _choose(node, params, entries, version)
    elif mode == "combine":
        by = (
            params.get("combineBy", "combineByFields")
            if version >= 3
            else _V2_COMBINE.get(params.get("combinationMode", "mergeByFields"), "")
        )
        if by == "combineAll":
            ctx.budget.product(node.name, [e[0] for e in entries[0]], [e[0] for e in entries[1]])
            out = _all_combinations(entries[0], entries[1], clash)
        elif by == "combineByPosition":
            unpaired = bool(options.get("includeUnpaired"))
            out = (
                _by_position(entries, clash, unpaired, ctx.warn, node.name)
                if version >= 3
                else _by_position_v2(entries[0], entries[1], clash, unpaired)
            )
        elif by == "combineByFields":
            out = _by_fields(node, params, entries[0], entries[1], options, version)
        else:
            raise NodeFailed(node.name, 0, f"the Merge combination {by!r} is not known", None)
    else:
        raise NodeFailed(node.name, 0, f"the Merge mode {mode!r} is not supported here", None)
    return {"main": [_item(data, paired) for data, paired in out]}


def _v1(params: Mapping[str, Any], mode: str, left: list[Entry], right: list[Entry]) -> list[Entry]:
    """Version 1's modes other than append."""
    if mode == "mergeByIndex":
        join = params.get("join", "left")
        if not left:
            return right if join == "outer" else []
        if not right:
            return left if join in ("left", "outer") else []
        size = {"inner": min, "outer": max}.get(join, lambda a, _: a)(len(left), len(right))
        out = []
        for n in range(size):
            if n >= len(left) or n >= len(right):
                out.append(left[n] if n < len(left) else right[n])
            else:
                out.append(({**left[n][0], **right[n][0]}, left[n][1] + right[n][1]))
        return out
    if mode == "multiplex":
        return [({**a, **b}, pa + pb) for a, pa in left for b, pb in right]
    if mode in ("keepKeyMatches", "mergeByKey", "removeKeyMatches"):
        return _by_key(params, mode, left, right)
    if mode == "passThrough":
        return left if params.get("output", "input1") == "input1" else right
    if mode == "wait":
        return [({}, [p for _, ps in left for p in ps])]
    return []


def _by_key(
    params: Mapping[str, Any], mode: str, left: list[Entry], right: list[Entry]
) -> list[Entry]:
    """Version 1's key modes: input 2's items by the text of their key (JavaScript object keys;
    an empty or falsy key is left out), each item of input 1 looked up by its own."""
    name1, name2 = str(params.get("propertyName1", "")), str(params.get("propertyName2", ""))
    if not right or not name1 or not name2:
        return [] if mode == "keepKeyMatches" else left
    table: dict[str, dict[str, Any]] = {}
    for data, _ in right:
        key = get_path(data, name2)
        if key not in (None, False, 0, "") and not (isinstance(key, float) and key != key):
            table[js_text(key)] = data
    overwrite = params.get("overwrite", "always")
    out = []
    for data, paired in left:
        value = get_path(data, name1, _MISSING)
        if (
            value is _MISSING
            or (value is not None and not isinstance(value, str | int | float))
            or isinstance(value, bool)
        ):
            if mode == "removeKeyMatches":  # undefined, an object or a boolean: no key
                out.append((data, paired))
            continue
        match = table.get(js_text(value))
        if match is None:
            if mode != "keepKeyMatches":
                out.append((data, paired))
            continue
        if mode == "keepKeyMatches":
            out.append((data, paired))
        elif mode == "mergeByKey":
            merged = copy.deepcopy(data)
            for k, v in match.items():
                empty = merged.get(k) in (None, "")
                if k != name2 and (
                    overwrite == "always"
                    or (overwrite == "undefined" and k not in merged)
                    or (overwrite == "blank" and empty)
                ):
                    merged[k] = v
            out.append((merged, paired))
    return out


def _choose(
    node: WorkflowNode, params: Mapping[str, Any], entries: list[list[Entry]], version: float
) -> list[Entry]:
    output = params.get("output", "specifiedInput" if version >= 3 else "input1")
    if output == "empty":
        return [({}, [p for each in entries[:2] for _, paired in each for p in paired])]
    chosen = int(params.get("useDataOfInput", 1)) if version >= 3 else int(output[-1])
    if chosen > len(entries):
        raise NodeFailed(node.name, 0, f"Input {chosen} doesn't exist", None)
    return [(data, paired) for data, paired in entries[chosen - 1]]


def _all_combinations(
    left: list[Entry], right: list[Entry], clash: Mapping[str, Any]
) -> list[Entry]:
    """Every pair (a cross join); preferring input 1 swaps the inputs, as n8n does."""
    left, right = _prepared(left, right, clash)
    merge = _merger(clash)
    return [(merge(a, b), pa + pb) for a, pa in left for b, pb in right]


def _by_position_v2(
    left: list[Entry], right: list[Entry], clash: Mapping[str, Any], unpaired: bool
) -> list[Entry]:
    if not left or not right:  # version 2 passes the input that has data
        return left + right
    left, right = _prepared(left, right, clash)
    merge = _merger(clash)
    size = max(len(left), len(right)) if unpaired else min(len(left), len(right))
    out = []
    for n in range(size):
        if n >= len(left) or n >= len(right):
            out.append(left[n] if n < len(left) else right[n])
            continue
        out.append((merge(left[n][0], right[n][0]), left[n][1] + right[n][1]))
    return out


def _by_position(
    entries: list[list[Entry]],
    clash: Mapping[str, Any],
    unpaired: bool,
    warn: Callable[[str, str], None],
    name: str,
) -> list[Entry]:
    """Version 3: any number of inputs; the preferred one (the last unless "Prefer Input N")
    is merged last."""
    resolve = str(clash.get("resolveClash") or "")
    preferred = int(resolve[len("preferInput") :]) - 1 if resolve.startswith("preferInput") else -1
    if resolve == "addSuffix":
        entries = [_suffixed(each, str(k + 1)) for k, each in enumerate(entries)]
    sizes = [len(each) for each in entries]
    size = max(sizes) if unpaired else min(sizes)
    if not size and not unpaired:
        warn(name, 'Consider enabling "Include Any Unpaired Items" in options or check your inputs')
    merge = _merger(clash)
    out = []
    for n in range(size):
        row = [each[n] if n < len(each) else ({}, []) for each in entries]
        top = row[preferred]
        out.append(
            (merge({}, *(data for data, _ in row), top[0]), [p for _, ps in row for p in ps])
        )
    return out


def _fields(node: WorkflowNode, params: Mapping[str, Any], version: float) -> list[tuple[str, str]]:
    if version < 3 or params.get("advanced"):
        values = (params.get("mergeByFields") or {}).get("values") or []
        pairs = [(str(v.get("field1", "")), str(v.get("field2", ""))) for v in values]
    else:
        names = [f.strip() for f in str(params.get("fieldsToMatchString", "")).split(",")]
        pairs = [(f, f) for f in names]
    if not pairs or (len(pairs) == 1 and pairs[0] == ("", "")):
        raise NodeFailed(
            node.name,
            0,
            'You need to define at least one pair of fields in "Fields to Match" to match on',
            None,
        )
    for n, (a, b) in enumerate(pairs, 1):
        if not a or not b:
            raise NodeFailed(
                node.name,
                0,
                f'You need to define both fields in "Fields to Match" for pair {n}, '
                f"field 1 = '{a}' field 2 = '{b}'",
                None,
            )
    return pairs


def _by_fields(
    node: WorkflowNode,
    params: Mapping[str, Any],
    left: list[Entry],
    right: list[Entry],
    options: Mapping[str, Any],
    version: float,
) -> list[Entry]:
    pairs = _fields(node, params, version)
    dotted = not options.get("disableDotNotation", False)

    def value(data: dict[str, Any], field: str) -> Any:
        return get_path(data, field, _MISSING) if dotted else data.get(field, _MISSING)

    if version < 2.1:  # version 2 first checks that every field occurs somewhere
        for label, entries, fields in (
            ("Input 1", left, [a for a, _ in pairs]),
            ("Input 2", right, [b for _, b in pairs]),
        ):
            for field in fields:
                if not any(value(data, field) is not _MISSING for data, _ in entries):
                    raise NodeFailed(
                        node.name,
                        0,
                        f"Field '{field}' is not present in any of items in '{label}'",
                        None,
                    )
    join = params.get("joinMode", "keepMatches")
    source = params.get("outputDataFrom", "both")
    if not left or not right:  # n8n's shortcuts when an input is empty
        if join == "keepNonMatches" and source == ("input1" if not left else "input2"):
            return []
        if (
            join == "keepMatches"
            or (join == "enrichInput1" and not left)
            or (join == "enrichInput2" and not right)
        ):
            return []
        return left + right
    single = source == "both" or join in ("enrichInput1", "enrichInput2")
    matched, matched_right, lone_left, lone_right = _match(
        left,
        right,
        pairs,
        value,
        bool(options.get("fuzzyCompare")),
        options.get("multipleMatches", "all") == "first",
        single,
    )
    clash = (options.get("clashHandling") or {}).get("values") or {}
    suffix = clash.get("resolveClash") == "addSuffix"
    if suffix:
        lone_left, lone_right = _suffixed(lone_left, "1"), _suffixed(lone_right, "2")
    if join == "keepNonMatches":
        if source in ("input1", "input2"):
            return lone_left if source == "input1" else lone_right
        return _sourced(lone_left, "input1") + _sourced(lone_right, "input2")
    if join in ("keepMatches", "keepEverything"):
        if source == "input1":
            out = [entry for entry, _ in matched]
        elif source == "input2":
            out = matched_right
        else:
            out = _merged(matched, clash, join, version)
        return out + lone_left + lone_right if join == "keepEverything" else out
    merged = _merged(matched, clash, join, version)
    return merged + (lone_left if join == "enrichInput1" else lone_right)


def _match(
    left: list[Entry],
    right: list[Entry],
    pairs: list[tuple[str, str]],
    value: Callable[[dict[str, Any], str], Any],
    fuzzy: bool,
    first_only: bool,
    single: bool,
) -> tuple[list[tuple[Entry, list[Entry]]], list[Entry], list[Entry], list[Entry]]:
    """n8n's findMatches: each item of input 1 with its matches in input 2 (one pair per match
    when ``single``), the matched items of input 2, and the unmatched of each input. An item of
    input 1 missing a field to match matches nothing."""
    index: dict[Any, list[int]] = {}
    if not fuzzy:
        for m, (data, _) in enumerate(right):
            index.setdefault(tuple(equal_key(value(data, b)) for _, b in pairs), []).append(m)
    matched: list[tuple[Entry, list[Entry]]] = []
    lone_left: list[Entry] = []
    hit: set[int] = set()
    for entry in left:
        wanted = [value(entry[0], a) for a, _ in pairs]
        if any(w is _MISSING for w in wanted):
            lone_left.append(entry)
            continue
        if fuzzy:
            found = [
                m
                for m, (data, _) in enumerate(right)
                if all(
                    fuzzy_equal(w, value(data, b), _MISSING)
                    for w, (_, b) in zip(wanted, pairs, strict=True)
                )
            ]
        else:
            found = index.get(tuple(equal_key(w) for w in wanted), [])
        found = found[:1] if first_only else found
        if not found:
            lone_left.append(entry)
            continue
        hit.update(found)
        if single:
            matched += [(entry, [right[m]]) for m in found]
        else:
            matched.append((entry, [right[m] for m in found]))
    matched_right = [e for m, e in enumerate(right) if m in hit]
    lone_right = [e for m, e in enumerate(right) if m not in hit]
    return matched, matched_right, lone_left, lone_right


def _merged(
    matched: list[tuple[Entry, list[Entry]]], clash: Mapping[str, Any], join: str, version: float
) -> list[Entry]:
    """n8n's mergeMatched: by default input 2's values win, but input 1's when enriching
    input 2."""
    resolve = clash.get("resolveClash")
    if resolve is None:
        resolve = "preferInput1" if join == "enrichInput2" else "last"
    last = "preferLast" if version >= 3 else "preferInput2"
    merge = _merger(clash)
    out = []
    for entry, matches in matched:
        paired = entry[1] + [p for _, ps in matches for p in ps]
        if resolve == "addSuffix":
            data = merge(_suffix(entry[0], "1"), *(_suffix(d, "2") for d, _ in matches))
        elif resolve == "preferInput1":
            data = merge(*(d for d, _ in matches), entry[0])
            paired = [p for _, ps in matches for p in ps] + entry[1]
        elif resolve in ("last", last):
            data = merge(entry[0], *(d for d, _ in matches))
        else:  # n8n outputs an empty item for a resolution it does not know
            data = {}
        out.append((data, paired))
    return out


def _prepared(
    left: list[Entry], right: list[Entry], clash: Mapping[str, Any]
) -> tuple[list[Entry], list[Entry]]:
    if clash.get("resolveClash") == "preferInput1":
        left, right = right, left
    if clash.get("resolveClash") == "addSuffix":
        left, right = _suffixed(left, "1"), _suffixed(right, "2")
    return left, right


def _merger(clash: Mapping[str, Any]) -> Callable[..., dict[str, Any]]:
    """lodash's merge (deep, arrays by index) or assign (shallow) into a new object; with
    "overrideEmpty", a null or empty text does not replace a value that is there."""
    deep = clash.get("mergeMode") != "shallowMerge"
    keep = bool(clash.get("overrideEmpty"))

    def merge(*sources: dict[str, Any]) -> dict[str, Any]:
        target: dict[str, Any] = {}
        for data in sources:
            _merge_into(target, data, deep, keep)
        return target

    return merge


def _merge_into(target: Any, source: Any, deep: bool, keep: bool) -> None:
    keys = range(len(source)) if isinstance(source, list) else source.keys()
    for key in keys:
        value = source[key]
        old = _get(target, key)
        if keep and (value is None or value == "") and old is not _MISSING:
            continue
        if isinstance(value, dict | list):  # a copy: the result shares nothing with its inputs
            fresh: Any = old if deep and isinstance(old, type(value)) else type(value)()
            _merge_into(fresh, value, deep, keep)
            value = fresh
        _set(target, key, value)


def _get(target: Any, key: Any) -> Any:
    if isinstance(target, list):
        return target[key] if key < len(target) else _MISSING
    return target.get(key, _MISSING)


def _set(target: Any, key: Any, value: Any) -> None:
    if isinstance(target, list):
        target.extend([None] * (key + 1 - len(target)))
    target[key] = value


def _suffix(data: dict[str, Any], suffix: str) -> dict[str, Any]:
    return {f"{k}_{suffix}": v for k, v in data.items()}


def _suffixed(entries: list[Entry], suffix: str) -> list[Entry]:
    return [(_suffix(data, suffix), paired) for data, paired in entries]


def _sourced(entries: list[Entry], origin: str) -> list[Entry]:
    """n8n marks where each unmatched item came from."""
    return [({**data, "_source": origin}, paired) for data, paired in entries]


def _origin(index: int, source: int) -> Paired:
    return {"item": index, "input": source} if source else {"item": index}


def _item(data: dict[str, Any], paired: list[Paired]) -> Item:
    together = paired[0] if len(paired) == 1 else paired
    return {"json": data, "pairedItem": together}  # type: ignore[typeddict-item]


def check(node: Mapping[str, Any], checker: Checker) -> Problems:
    mode = (node.get("parameters") or {}).get("mode", "append")
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
    description="Wait for the inputs and merge them (n8n's Merge, versions 1-3.2).",
    run=run,
    run_inputs=run_inputs,
    input_count=_count,
    required_inputs=_required,
    check=check,
    **n8n_native(MERGE, 3),
)
