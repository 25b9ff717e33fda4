"""``renameKeys``: n8n's Rename Keys node: each ``currentKey`` (a dotted path) moves to its
``newKey``; then regular-expression replacements rename keys down to ``depth`` levels (-1: all),
each key renamed once by its first match, as JavaScript's ``String.replace`` does."""

from __future__ import annotations

import copy
import re
from typing import Any

from ... import expressions
from ...model import Item
from ..model import NodeFailed, WorkflowNode
from ..pairing import paired
from ..values import get_path, set_path, unset_path
from .base import NodeType, Outputs, Run, n8n_native

RENAME_KEYS = "n8n-nodes-base.renameKeys"
_MISSING = object()
_GROUP = re.compile(r"\$(\d{1,2}|&)")


def _replacement(js: str) -> str:
    """A JavaScript replacement (``$1``, ``$&``) as Python's (``\\g<1>``, ``\\g<0>``)."""
    escaped = js.replace("\\", "\\\\")
    return _GROUP.sub(lambda m: "\\g<0>" if m.group(1) == "&" else f"\\g<{m.group(1)}>", escaped)


def _renamed(value: Any, pattern: re.Pattern[str], replace: str, depth: int) -> Any:
    if isinstance(value, list):
        if depth != 0:
            for element in value:
                _renamed(element, pattern, replace, depth - 1)
        return value
    if not isinstance(value, dict):
        return value
    for key in list(value):
        if isinstance(value[key], dict | list) and depth != 0:
            _renamed(value[key], pattern, replace, depth - 1)
        if pattern.search(key):
            new = pattern.sub(replace, key, count=1)
            if new != key:
                value[new] = value.pop(key)
    return value


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Outputs:
    out: list[Item] = []
    for i, item in enumerate(items):
        params = expressions.resolve(node.get("parameters") or {}, ctx.context(items, i, parent))
        data = copy.deepcopy(item["json"])
        for pair in (params.get("keys") or {}).get("key") or []:
            current, new = str(pair.get("currentKey", "")), str(pair.get("newKey", ""))
            if not current or not new or current == new:
                continue
            value = get_path(item["json"], current, _MISSING)
            if value is not _MISSING:
                set_path(data, new, value)
                unset_path(data, current)
        options = params.get("additionalOptions") or {}
        for rule in (options.get("regexReplacement") or {}).get("replacements") or []:
            flags = re.IGNORECASE if (rule.get("options") or {}).get("caseInsensitive") else 0
            try:
                pattern = re.compile(str(rule.get("searchRegex", "")), flags)
            except re.error as exc:
                raise NodeFailed(node.name, i, f"Invalid regular expression: {exc}", None) from None
            depth = int((rule.get("options") or {}).get("depth", -1))
            data = _renamed(data, pattern, _replacement(str(rule.get("replaceRegex", ""))), depth)
        out.append({"json": data, "pairedItem": paired(i)})
    return {"main": out}


NODE = NodeType(
    name="renameKeys",
    description="Rename keys of each item (n8n's Rename Keys: keys.key pairs of currentKey and "
    "newKey, and regular-expression replacements).",
    run=run,
    **n8n_native(RENAME_KEYS, 1),
)
