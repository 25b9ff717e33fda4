"""Connections between nodes: as written (a list, or per output), in file order, and cycles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any


def _target(value: Any) -> tuple[str, int]:
    """A target as written: a node name (its first input), or {node, input}."""
    if isinstance(value, dict):
        return str(value.get("node")), int(value.get("input", 0))
    return str(value), 0


def _outputs(targets: Any) -> dict[str, list[Any]]:
    return {"main": targets} if isinstance(targets, list) else dict(targets)


def connections(doc: Mapping[str, Any]) -> dict[str, dict[str, tuple[str, ...]]]:
    """Source -> {output: target names}; without ``connections`` each node feeds the next."""
    names = [n["name"] for n in doc["nodes"]]
    if "connections" not in doc:
        return {a: {"main": (b,)} for a, b in pairwise(names)}
    return {
        source: {kind: tuple(_target(t)[0] for t in ts) for kind, ts in _outputs(targets).items()}
        for source, targets in doc["connections"].items()
    }


def inputs(doc: Mapping[str, Any]) -> dict[tuple[str, str, str], tuple[int, ...]]:
    """(source, output, target) -> the target's input of each of those connections, in order,
    where one is not the first (Merge; a source may feed several inputs of one node)."""
    found: dict[tuple[str, str, str], list[int]] = {}
    for source, targets in (doc.get("connections") or {}).items():
        for kind, ts in _outputs(targets).items():
            for name, index in map(_target, ts):
                found.setdefault((source, kind, name), []).append(index)
    return {key: tuple(indexes) for key, indexes in found.items() if any(indexes)}


def cycle(
    names: Sequence[str], connections: Mapping[str, Mapping[str, Sequence[str]]]
) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        stack.append(name)
        for targets in connections.get(name, {}).values():
            for target in targets:
                if state.get(target) == 1:
                    return [*stack[stack.index(target) :], target]
                if target not in state and (found := visit(target)):
                    return found
        stack.pop()
        state[name] = 2
        return None

    for name in names:
        if name not in state and (found := visit(name)):
            return found
    return None
