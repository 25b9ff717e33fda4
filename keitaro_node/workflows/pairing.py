"""``pairedItem`` values ``{"item": i}``, one object per index in a run.

A node's outputs point at the same small dicts as its parents' instead of making a new one per
item (184 bytes each: a million items through four nodes carried 700 MB of them). They are
shared, so nothing may change them in place; outside a run each call makes a new one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from ..model import PairedItem

_TABLE: ContextVar[list[PairedItem] | None] = ContextVar("paired_items", default=None)


def paired(index: int) -> PairedItem:
    """``{"item": index}``: the run's own object for that index."""
    table = _TABLE.get()
    if table is None:
        return {"item": index}
    if index >= len(table):
        table.extend({"item": n} for n in range(len(table), index + 1))
    return table[index]


@contextmanager
def pairing() -> Iterator[None]:
    """A table of pairedItem values for the run inside (released when it ends)."""
    token = _TABLE.set([])
    try:
        yield
    finally:
        _TABLE.reset(token)
