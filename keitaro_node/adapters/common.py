"""What every adapter shares: run one operation over items, and say when items failed."""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any, Unpack

from ..errors import KeitaroNodeError
from ..model import Credentials, Item
from ..node import KeitaroNode
from ..options import ParameterSource, RunOptions
from ..outcomes import failures, items_of, raise_first_failure
from ..outputs import write_items


class ItemsFailed(KeitaroNodeError):
    """Raised by an adapter asked to fail when any item failed; ``items`` holds them all."""

    def __init__(self, failed: int, items: list[Item]) -> None:
        super().__init__(f"{failed} of {len(items)} items failed")
        self.failed = failed
        self.items = items


def require(module: str, extra: str) -> ModuleType:
    """Import a workflow engine, or explain which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"this adapter needs {extra.capitalize()}: pip install 'keitaro-node[{extra}]'"
        ) from exc


async def run_operation(
    credentials: Credentials,
    resource: str,
    operation: str,
    items: Sequence[Item] | None = None,
    parameters: ParameterSource | None = None,
    *,
    fail_on_item_error: bool = False,
    **options: Unpack[RunOptions],
) -> list[Item]:
    """One operation over the items, continuing on failed items unless told otherwise; raises
    ItemsFailed if asked and any item failed."""
    options.setdefault("continue_on_fail", True)
    outcomes = await KeitaroNode(credentials).outcomes(
        items, resource=resource, operation=operation, parameters=parameters, **options
    )
    if not options["continue_on_fail"]:
        raise_first_failure(outcomes, resource, operation)
    out = items_of(outcomes)
    failed = len(failures(outcomes))
    if failed and fail_on_item_error:
        raise ItemsFailed(failed, out)
    return out


def to_file(items: list[Item], path: str) -> dict[str, Any]:
    """Write items (atomically) and return a small summary, for results too big to pass around."""
    return {"path": path, "count": write_items(items, path)}


def plain_items(items: Sequence[Mapping[str, Any]] | None) -> list[Item] | None:
    """Accept n8n items or bare JSON objects (wrapped as ``{"json": obj}``)."""
    if items is None:
        return None
    return [dict(i) if "json" in i else {"json": dict(i)} for i in items]  # type: ignore[misc]
