"""``keitaro-node mcp``: every operation of the definition as a Model Context Protocol tool.

``tools`` needs nothing but this package; ``server`` needs the official SDK
(``pip install 'keitaro-node[mcp]'``).
"""

from .tools import DEFAULT_LIMIT, Tool, ToolResult, call, is_read, tools

__all__ = ["DEFAULT_LIMIT", "Tool", "ToolResult", "call", "is_read", "tools"]
