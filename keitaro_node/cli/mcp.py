"""``keitaro-node mcp``: the node's operations as tools for AI agents (Model Context Protocol)."""

from __future__ import annotations

import argparse
import os
from contextlib import asynccontextmanager

from .common import (
    EXIT_INVALID,
    EXIT_OK,
    add_credentials,
    add_emulator,
    add_env_file,
    run_interruptibly,
)

TYPE_CHECKING = False  # typing is not imported: it costs start-up time
if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from typing import TextIO

    from ..mcp.server import Document
    from ..model import Credentials, Definition

LOOPBACK = ("127.0.0.1", "localhost", "::1")
MISSING_SDK = "keitaro-node mcp needs the MCP SDK: pip install 'keitaro-node[mcp]'"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    mcp = sub.add_parser(
        "mcp",
        help="serve the operations as tools for AI agents (Model Context Protocol)",
        description="One tool per official operation (<resource>_<operation>, e.g. "
        "campaign_getAll), with its parameters as the input schema; only reads unless "
        "--allow-writes. Credentials as run and check read them (--credentials FILE, else "
        "KEITARO_DOMAIN and KEITARO_API_KEY from the environment or .env), or --emulator SEED. "
        "stdio by default; --transport http serves streamable HTTP at /mcp.",
    )
    mcp.add_argument("--transport", choices=("stdio", "http"), default="stdio")
    mcp.add_argument(
        "--host",
        default="127.0.0.1",
        help="address for --transport http (default 127.0.0.1; any other needs --token-env)",
    )
    mcp.add_argument("--port", type=int, default=8765, help="port for --transport http")
    mcp.add_argument(
        "--token-env",
        metavar="NAME",
        help="environment variable holding the bearer token HTTP clients must send",
    )
    mcp.add_argument(
        "--allow-writes",
        action="store_true",
        help="also list the tools that create, change or delete (default: reads only)",
    )
    add_emulator(
        mcp, "serve tools over the embedded emulator instead of a tracker (default seed: demo)"
    )
    add_credentials(mcp, "YAML/JSON: domain, apiKey")
    add_env_file(mcp)
    mcp.set_defaults(handler=cmd_mcp)


def cmd_mcp(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        from ..mcp import server
    except ImportError:
        err.write(f"error: {MISSING_SDK}\n")
        return EXIT_INVALID
    token = os.environ.get(args.token_env) if args.token_env else None
    if args.token_env and not token:
        err.write(f"error: --token-env {args.token_env}: the variable is empty\n")
        return EXIT_INVALID
    if args.transport == "http" and args.host not in LOOPBACK and not token:
        err.write(f"error: --host {args.host} serves other machines: give --token-env NAME\n")
        return EXIT_INVALID
    sock = None
    if args.transport == "http":
        import socket

        try:
            sock = socket.create_server((args.host, args.port))
        except OSError as exc:
            err.write(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}\n")
            return EXIT_INVALID

    async def serve() -> None:
        from ..masking import Redactor
        from ..mcp import tools
        from ..node import KeitaroNode

        async with _credentials(args) as credentials:
            node = KeitaroNode(credentials)
            listed = tools(node.definition, allow_writes=args.allow_writes)
            secrets = [credentials.api_key, credentials.postback_key or "", token or ""]
            app = server.build_server(node, listed, _documents(node.definition), Redactor(secrets))
            kind = "read and write" if args.allow_writes else "read-only"
            async with node:
                if sock is None:
                    err.write(f"keitaro-node mcp: {len(listed)} {kind} tools over stdio\n")
                    await server.serve_stdio(app)
                else:
                    host, port = sock.getsockname()[:2]
                    err.write(
                        f"keitaro-node mcp: {len(listed)} {kind} tools at "
                        f"http://{host}:{port}/mcp{' (bearer token)' if token else ''}\n"
                    )
                    err.flush()
                    await server.serve_http(app, sock, token)

    run_interruptibly(serve())
    return EXIT_OK


def _documents(definition: Definition) -> list[Document]:
    """The resources an agent can read before it calls: the definition and the operations."""
    import json

    from ..mcp.server import Document
    from .renderers import describe_json, describe_markdown

    return [
        Document(
            "keitaro://definition",
            "definition",
            "Every resource and operation: names, requests, official or not, idempotent",
            "application/json",
            json.dumps(describe_json(definition), ensure_ascii=False, indent=1),
        ),
        Document(
            "keitaro://operations",
            "operations",
            "The README's table of operations (Markdown)",
            "text/markdown",
            describe_markdown(definition),
        ),
    ]


@asynccontextmanager
async def _credentials(args: argparse.Namespace) -> AsyncIterator[Credentials]:
    """The embedded emulator's (while it runs), or those ``run`` and ``check`` read."""
    if args.emulator:
        from ..embedded import emulator

        async with emulator({"seed": args.emulator}) as local:
            yield local
        return
    from .. import credentials

    environ = {**credentials.read_dotenv(args.env_file), **os.environ}
    spec = credentials.read_file(args.credentials) if args.credentials else None
    source = str(args.credentials or "the environment")
    yield credentials.resolve(spec, environ, source, [args.env_file])
