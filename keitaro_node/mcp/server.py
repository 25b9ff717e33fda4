"""The MCP server: the tools of tools.py and a few read-only resources, over stdio or the SDK's
streamable HTTP, on the official Python SDK (``pip install 'keitaro-node[mcp]'``)."""

from __future__ import annotations

import hmac
import json
import socket
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

import mcp_types as types
from mcp.server import Server

from .._version import __version__
from ..masking import Redactor
from ..node import KeitaroNode
from .tools import Tool, ToolResult, call

INSTRUCTIONS = (
    "Tools for a Keitaro tracker's Admin API, one per operation (<resource>_<operation>). "
    "Read keitaro://definition to see what exists. Paged reads return at most 100 records unless "
    "asked otherwise. A failed write that may have been applied is never sent again: check before "
    "repeating it."
)


@dataclass(frozen=True, slots=True)
class Document:
    """A read-only resource: ``keitaro://…``."""

    uri: str
    name: str
    description: str
    mime_type: str
    text: str


def build_server(
    node: KeitaroNode, tools: list[Tool], documents: list[Document], redactor: Redactor
) -> Server[Any]:
    """A server calling ``node`` (an open session) for each tool; whatever leaves it is masked."""
    by_name = {tool.name: tool for tool in tools}
    by_uri = {doc.uri: doc for doc in documents}

    async def list_tools(
        ctx: Any, params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[_listed(tool) for tool in tools])

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        tool = by_name.get(params.name)
        if tool is None:
            result = ToolResult([], f"unknown tool {params.name!r}")
        else:
            try:
                result = await call(node, tool, params.arguments or {})
            except Exception as exc:  # a tool error, never an exception out of the server
                result = ToolResult([], f"{type(exc).__name__}: {exc}")
        structured = redactor.data(result.structured())
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=json.dumps(structured, default=str))],
            structured_content=structured,
            is_error=result.error is not None,
        )

    async def list_resources(
        ctx: Any, params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        return types.ListResourcesResult(
            resources=[
                types.Resource(
                    uri=d.uri, name=d.name, description=d.description, mime_type=d.mime_type
                )
                for d in documents
            ]
        )

    async def read_resource(
        ctx: Any, params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        doc = by_uri.get(str(params.uri))
        if doc is None:
            raise ValueError(f"no resource {params.uri!r}; there are: {', '.join(by_uri)}")
        contents = types.TextResourceContents(uri=doc.uri, mime_type=doc.mime_type, text=doc.text)
        return types.ReadResourceResult(contents=[contents])

    return Server(
        "keitaro-node",
        version=__version__,
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_read_resource=read_resource,
    )


def _listed(tool: Tool) -> types.Tool:
    return types.Tool(
        name=tool.name,
        title=tool.title,
        description=tool.description,
        input_schema=dict(tool.input_schema),
        annotations=types.ToolAnnotations(
            title=tool.title,
            read_only_hint=tool.read_only,
            destructive_hint=tool.destructive,
            idempotent_hint=tool.idempotent,
            open_world_hint=True,
        ),
    )


async def serve_stdio(server: Server[Any]) -> None:
    from mcp.server.stdio import stdio_server

    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


ASGI = Callable[[MutableMapping[str, Any], Any, Any], Awaitable[None]]


def _bearer(app: ASGI, token: str) -> ASGI:
    """``app`` behind ``Authorization: Bearer <token>`` (401 without it)."""
    expected = f"Bearer {token}".encode()

    async def guarded(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not hmac.compare_digest(given, expected):
                await send(
                    {
                        "type": "http.response.start",
                        "status": 401,
                        "headers": [(b"content-type", b"application/json")],
                    }
                )
                await send({"type": "http.response.body", "body": b'{"error": "Unauthorized"}'})
                return
        await app(scope, receive, send)

    return guarded


async def serve_http(server: Server[Any], sock: socket.socket, token: str | None) -> None:
    """Streamable HTTP at ``/mcp`` on a bound socket; behind a bearer token when one is given."""
    import uvicorn

    host = sock.getsockname()[0]
    app: Any = server.streamable_http_app(streamable_http_path="/mcp", host=host)
    if token:
        app = _bearer(app, token)
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    await uvicorn.Server(config).serve(sockets=[sock])
