"""``keitaro-node serve``: keep workflows active (schedules, webhooks, error workflows) and put
their executions on record."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from .common import EXIT_INVALID, EXIT_OK, add_credentials, add_emulator, add_env_file
from .mcp import LOOPBACK

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TextIO


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser(
        "serve",
        help="keep workflows active: schedules, webhooks, error workflows, executions on record",
        description="Loads every workflow (YAML or n8n JSON) in the files and folders given "
        "(a bad one is reported and skipped), activates their triggers (Schedule Trigger, "
        "Cron, Interval, Webhook at /webhook/<path>, Error Trigger) and runs their executions "
        "in one process. Executions are on record (--db FILE, else in memory): GET / in a "
        "browser, /api/executions, /api/workflows, /healthz, or keitaro-node executions. "
        "SIGTERM or Ctrl-C: triggers stop, running executions get --grace seconds.",
    )
    serve.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    serve.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1 (this machine)")
    serve.add_argument("--port", type=int, default=5678, help="default 5678, as n8n's")
    serve.add_argument("--db", type=Path, metavar="FILE", help="SQLite file for the executions")
    serve.add_argument(
        "--token-env",
        metavar="NAME",
        help="environment variable holding the token the API and the pages need",
    )
    serve.add_argument(
        "--grace",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="on SIGTERM, how long running executions may finish (default 10)",
    )
    serve.add_argument(
        "--keep", type=int, default=10_000, metavar="N", help="executions kept on record"
    )
    serve.add_argument(
        "--concurrency", type=int, default=50, help="executions at once, in all (default 50)"
    )
    serve.add_argument(
        "--per-workflow",
        type=int,
        default=10,
        metavar="N",
        help="executions at once of one workflow (default 10)",
    )
    serve.add_argument("--log-format", choices=("text", "json"), default="text")
    add_emulator(serve, "Keitaro nodes use the embedded emulator (also when a workflow names one)")
    add_credentials(serve, "credentials for every workflow (YAML/JSON, by n8n type and name)")
    add_env_file(serve)
    serve.set_defaults(handler=cmd_serve)


def cmd_serve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .. import credentials

    token = os.environ.get(args.token_env) if args.token_env else None
    if args.token_env and not token:
        err.write(f"error: --token-env {args.token_env}: the variable is empty\n")
        return EXIT_INVALID
    if args.host not in LOOPBACK and not token:
        err.write(f"error: --host {args.host} serves other machines: give --token-env NAME\n")
        return EXIT_INVALID
    environ = {**credentials.read_dotenv(args.env_file), **os.environ}
    import asyncio

    from ..serve.server import Settings, configure_logging

    configure_logging(args.log_format == "json", err)
    settings = Settings(
        paths=args.paths,
        host=args.host,
        port=args.port,
        db=args.db,
        token=token,
        grace=args.grace,
        keep=args.keep,
        concurrency=args.concurrency,
        per_workflow=args.per_workflow,
        credentials_file=args.credentials,
    )
    asyncio.run(_serve(settings, environ, args.emulator or _named_emulator(args.paths)))
    return EXIT_OK


def _named_emulator(paths: list[Path]) -> str | None:
    """The seed of the embedded emulator a served YAML workflow names (one for all of them)."""
    import yaml

    from ..safe_yaml import parse_yaml

    for path in paths:
        for file in sorted(path.glob("*.y*ml")) if path.is_dir() else [path]:
            try:
                doc = parse_yaml(file.read_text(encoding="utf-8"))
            except (OSError, ValueError, yaml.YAMLError):
                continue  # the loader reports it
            spec = doc.get("credentials") if isinstance(doc, dict) else None
            if isinstance(spec, dict) and isinstance(spec.get("emulator"), dict):
                return str(spec["emulator"].get("seed", "demo"))
    return None


async def _serve(settings: Any, environ: dict[str, str], seed: str | None) -> None:
    """Until SIGTERM, SIGINT or SIGHUP: the first stops it gracefully, a second at once."""
    import asyncio
    import signal

    from ..serve.server import serve

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()

    def signalled() -> None:
        if stop.is_set() and task is not None:
            task.cancel()
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, signalled)
    if seed is None:
        await serve(settings, environ=environ, stop=stop)
        return
    from ..embedded import emulator

    async with emulator({"seed": seed}) as tracker:
        await serve(settings, environ=environ, stop=stop, tracker=tracker)
