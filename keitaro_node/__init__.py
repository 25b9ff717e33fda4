"""keitaro-node: the n8n Keitaro node («Работа с API Keitaro») as an async Python runtime."""

from importlib.metadata import PackageNotFoundError, version

from .errors import (
    ApiError,
    DefinitionError,
    InputError,
    ItemError,
    KeitaroNodeError,
    RequestError,
    TransportError,
)
from .model import Credentials, Item
from .node import KeitaroNode
from .policy import RetryPolicy
from .transport import Timeouts

try:
    __version__ = version("keitaro-node")
except PackageNotFoundError:  # pragma: no cover - running from a plain checkout
    __version__ = "0.0.0"

__all__ = [
    "ApiError",
    "Credentials",
    "DefinitionError",
    "InputError",
    "Item",
    "ItemError",
    "KeitaroNode",
    "KeitaroNodeError",
    "RequestError",
    "RetryPolicy",
    "Timeouts",
    "TransportError",
    "__version__",
]
