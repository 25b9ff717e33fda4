"""keitaro-node: the n8n Keitaro node («Работа с API Keitaro») as an async Python runtime.

Names are imported on first use, so that ``keitaro-node --help`` does not load aiohttp.
"""

from __future__ import annotations

from importlib import import_module

from ._version import __version__

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from typing import Any

    from .core.http import Timeouts
    from .core.policy import RetryPolicy
    from .errors import (
        ApiError,
        DefinitionError,
        InputError,
        Interrupted,
        ItemError,
        KeitaroNodeError,
        NotFoundError,
        RequestError,
        TransportError,
    )
    from .model import Credentials, Item
    from .node import KeitaroNode
    from .options import RunOptions
    from .outcomes import Failure, Outcome, Success

_EXPORTS = {
    "ApiError": "errors",
    "DefinitionError": "errors",
    "InputError": "errors",
    "Interrupted": "errors",
    "ItemError": "errors",
    "KeitaroNodeError": "errors",
    "NotFoundError": "errors",
    "RequestError": "errors",
    "TransportError": "errors",
    "Credentials": "model",
    "Item": "model",
    "KeitaroNode": "node",
    "RunOptions": "options",
    "Failure": "outcomes",
    "Outcome": "outcomes",
    "Success": "outcomes",
    "RetryPolicy": "core.policy",
    "Timeouts": "core.http",
}

__all__ = [
    "ApiError",
    "Credentials",
    "DefinitionError",
    "Failure",
    "InputError",
    "Interrupted",
    "Item",
    "ItemError",
    "KeitaroNode",
    "KeitaroNodeError",
    "NotFoundError",
    "Outcome",
    "RequestError",
    "RetryPolicy",
    "RunOptions",
    "Success",
    "Timeouts",
    "TransportError",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'keitaro_node' has no attribute {name!r}")
