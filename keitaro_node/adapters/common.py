"""What every adapter shares: run one operation over items, and say when items failed."""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any

from ..errors import KeitaroNodeError
from ..executor import ParameterSource
from ..model import Credentials, Item
from ..node import KeitaroNode
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
    continue_on_fail: bool = True,
    fail_on_item_error: bool = False,
    concurrency: int = 4,
    split: bool = False,
) -> list[Item]:
    """One operation over the items; raises ItemsFailed if asked and any item failed."""
    out = await KeitaroNode(credentials).execute(
        items,
        resource=resource,
        operation=operation,
        parameters=parameters,
        continue_on_fail=continue_on_fail,
        concurrency=concurrency,
        split=split,
    )
    failed = sum(1 for item in out if item["json"].get("success") is False)
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
