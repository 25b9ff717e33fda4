"""Connections between nodes: as written (a list, or per output), in file order, and cycles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any


def connections(doc: Mapping[str, Any]) -> dict[str, dict[str, tuple[str, ...]]]:
    """Source -> {output: targets}; without ``connections`` each node feeds the next."""
    names = [n["name"] for n in doc["nodes"]]
    if "connections" not in doc:
        return {a: {"main": (b,)} for a, b in pairwise(names)}
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for source, targets in doc["connections"].items():
        if isinstance(targets, list):
            out[source] = {"main": tuple(targets)}
        else:
            out[source] = {k: tuple(v) for k, v in targets.items()}
    return out


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
