"""Dotted paths into nested objects (``campaignData.name``, ``--set Node.key.sub=…``), set in one
way everywhere. n8n's own lodash paths (with list indexes) are ``workflows.values.set_path``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def container(
    target: dict[str, Any], keys: Sequence[str], *, replace: bool = True
) -> dict[str, Any]:
    """The object at ``keys`` inside ``target``, objects created on the way. Something else in
    the way is replaced by an object, or with ``replace=False`` refused: TypeError(key)."""
    node = target
    for key in keys:
        child = node.get(key)
        if not isinstance(child, dict):
            if child is not None and not replace:
                raise TypeError(key)
            child = node[key] = {}
        node = child
    return node


def set_dotted(target: dict[str, Any], dotted: str, value: Any, *, extend: bool = False) -> None:
    """``set_dotted(d, "a.b", 1)`` makes ``d["a"]["b"] == 1``; with ``extend`` a list already
    there is extended by a list value instead of replaced (report filters)."""
    *parents, last = dotted.split(".")
    node = container(target, parents)
    if extend and isinstance(node.get(last), list) and isinstance(value, list):
        value = [*node[last], *value]
    node[last] = value
