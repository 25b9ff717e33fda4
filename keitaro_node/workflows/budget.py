"""The run's memory budget: checked after each node and before a node builds a product of its
inputs (Merge "combine all"), so that a run that grows past it stops with an error that names
the node instead of a MemoryError, or the machine swapping. Default: three quarters of the
machine's memory; ``--max-memory MB`` (``max_memory=`` in the Python API) sets another."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

from .model import NodeFailed

_MB = 1024 * 1024
_ITEM_OVERHEAD = 4
"""Bytes of Python objects per byte of an item's JSON (dicts, strings, pairedItem)."""


def machine_memory() -> int:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 8 * 1024 * _MB


def default_mb() -> int:
    return machine_memory() * 3 // 4 // _MB


def resident() -> int:
    """Bytes of memory the process holds now."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource  # peak, where the current figure cannot be read

        return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


class Budget:
    def __init__(self, megabytes: int | None = None) -> None:
        self.megabytes = default_mb() if megabytes is None else megabytes
        self.limit = self.megabytes * _MB

    def spare(self) -> int:
        """Bytes left in the budget now."""
        return max(0, self.limit - resident())

    def check(self, node: str) -> None:
        """NodeFailed when the run holds more than the budget after ``node``."""
        used = resident()
        if used > self.limit:
            raise NodeFailed(node, 0, self._over(f"the run holds {used // _MB} MB"), None)

    def allow(self, node: str, count: int, item_bytes: int) -> None:
        """NodeFailed, before anything is allocated, when ``count`` new items of about
        ``item_bytes`` of JSON each would not fit."""
        needed = count * item_bytes * _ITEM_OVERHEAD
        if resident() + needed > self.limit:
            what = f"{count:,} items (about {needed // _MB:,} MB) would not fit"
            raise NodeFailed(node, 0, self._over(what), None)

    def product(self, node: str, left: Sequence[Any], right: Sequence[Any]) -> None:
        """``allow`` for every pair of ``left`` and ``right`` (sized by their first items)."""
        if left and right:
            size = len(json.dumps(left[0], default=str)) + len(json.dumps(right[0], default=str))
            self.allow(node, len(left) * len(right), size + 64)

    def _over(self, what: str) -> str:
        return f"{what}: more than the run's memory budget of {self.megabytes} MB (--max-memory)"
