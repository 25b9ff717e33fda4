"""The options of one run of an operation (their defaults: ``defaults``).

``KeitaroNode.execute``, its sync twin, the workflow runner and the engine adapters all take
these keywords (``**options: Unpack[RunOptions]``) and resolve them with ``resolved``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from .defaults import (
    DEFAULT_CONCURRENCY,
    DEFAULT_GRACE,
    DEFAULT_TRIES,
    DEFAULT_WAIT_MS,
    MAX_TRIES,
    MAX_WAIT_MS,
    MIN_TRIES,
)
from .model import JSON

__all__ = ["DEFAULT_CONCURRENCY", "DEFAULT_GRACE", "Options", "RunOptions", "resolved", "tries"]

ParameterSource = Mapping[str, Any] | Callable[[dict[str, JSON], int], Mapping[str, Any]]
"""Node parameters: the same mapping for every item, or a function of (item json, index)."""
ProgressCallback = Callable[[int, int], None]
"""Called with (items done, items in all) after each item."""


class RunOptions(TypedDict, total=False):
    """How one operation runs over its items (every key optional; see ``Options``)."""

    continue_on_fail: bool
    concurrency: int
    split: bool
    on_progress: ProgressCallback | None


@dataclass(frozen=True, slots=True)
class Options:
    """``RunOptions`` with every default filled in."""

    continue_on_fail: bool = False
    """False: the first failed item stops the run (ItemError naming it); True: it becomes an
    error item in its place and the run goes on."""
    concurrency: int = DEFAULT_CONCURRENCY
    split: bool = False
    """One output item per record of a list result, as n8n nodes' "split into items"."""
    on_progress: ProgressCallback | None = None


def resolved(options: RunOptions) -> Options:
    return Options(**options)


def tries(node: Mapping[str, Any]) -> tuple[int, float]:
    """How often a node with n8n's retryOnFail runs at most, and the seconds between tries."""
    if not node.get("retryOnFail"):
        return 1, 0.0
    count = min(max(node.get("maxTries", DEFAULT_TRIES), MIN_TRIES), MAX_TRIES)
    wait = min(max(node.get("waitBetweenTries", DEFAULT_WAIT_MS), 0), MAX_WAIT_MS) / 1000
    return count, wait
