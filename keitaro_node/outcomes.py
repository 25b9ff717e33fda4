"""What became of each input item: a success (its output items) or a failure (the typed error).

Nodes and the executor report outcomes; only the workflow runner (and ``KeitaroNode.execute``
for Python callers) turns a failure into n8n's error item, a failed count, an exit code or a
retry. A failure keeps the exception itself, so nobody re-reads a dict to learn what happened.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ItemError, KeitaroNodeError, RequestError
from .model import Item


@dataclass(frozen=True, slots=True)
class Success:
    """Input item ``index`` succeeded: ``items`` are its output items (several with ``split``)."""

    index: int
    items: list[Item]


@dataclass(frozen=True, slots=True)
class Failure:
    """Input item ``index`` failed with ``error``; ``item`` is the n8n item that stands for it
    when the node continues on fail: an error item, the input item itself (If), or None when
    nothing does (Filter drops it)."""

    index: int
    error: KeitaroNodeError
    item: Item | None

    @property
    def maybe_applied(self) -> bool:
        """A write that reached the tracker and may have been applied: never sent again."""
        return isinstance(self.error, RequestError) and self.error.maybe_applied

    @property
    def http_code(self) -> int | None:
        return self.error.http_code if isinstance(self.error, RequestError) else None


Outcome = Success | Failure


def items_of(outcomes: list[Outcome]) -> list[Item]:
    """The n8n items of outcomes in order: a failure as its error item."""
    out: list[Item] = []
    for outcome in outcomes:
        if isinstance(outcome, Success):
            out.extend(outcome.items)
        elif outcome.item is not None:
            out.append(outcome.item)
    return out


def failures(outcomes: list[Outcome]) -> list[Failure]:
    return [o for o in outcomes if isinstance(o, Failure)]


def raise_first_failure(outcomes: list[Outcome], resource: str, operation: str) -> None:
    """Stop as a run without continue-on-fail does: ItemError naming the first failed item."""
    failed = next((o for o in outcomes if isinstance(o, Failure)), None)
    if failed is not None:
        raise ItemError(failed.index, resource, operation, failed.error) from failed.error
