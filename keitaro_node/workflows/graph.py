"""Connections between nodes: as written (a list, or per output), in file order, and cycles."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
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
    """A cycle among the connections (its nodes, the first again at the end), or None; depth
    first without recursion, so that a chain of any length is checked."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in names:
        if root in state:
            continue
        path: list[str] = [root]
        pending: list[Iterator[str]] = [_children(connections, root)]
        state[root] = 1
        while pending:
            target = next(pending[-1], None)
            if target is None:
                state[path.pop()] = 2
                pending.pop()
            elif state.get(target) == 1:
                return [*path[path.index(target) :], target]
            elif target not in state:
                state[target] = 1
                path.append(target)
                pending.append(_children(connections, target))
    return None


def _children(connections: Mapping[str, Mapping[str, Sequence[str]]], name: str) -> Iterator[str]:
    return (target for targets in connections.get(name, {}).values() for target in targets)
