"""Limits on untrusted input that Python's own stack would otherwise set (with a crash)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_DEPTH = 64
"""Workflow documents, JSON text parameters and request bodies nest no deeper than this."""


def deeper_than(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether a JSON value nests deeper than ``limit`` (iterative: nothing to overflow)."""
    stack = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, Mapping):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return False
