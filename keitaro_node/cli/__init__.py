"""``keitaro-node``: run, serve, executions, validate, describe, export-n8n, check, mcp, emulator:
a module each.

Heavy imports (aiohttp, jsonschema) happen inside the commands, so ``--help`` and ``--version``
start fast.
"""

from __future__ import annotations

import argparse
import os
import sys

from . import check, describe, emulator, executions, export, mcp, run, serve, validate
from .common import (
    EXIT_CODES,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_INVALID,
    EXIT_STOPPED,
    Progress,
    VersionAction,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import TextIO

COMMANDS = (run, serve, executions, validate, describe, check, export, mcp, emulator)
"""In the order ``--help`` lists them."""

EPILOG = f"""\
examples:
  keitaro-node run workflows/quickstart.yaml
  keitaro-node run workflows/clicks-export.yaml --set Clicks.streamTo=/tmp/clicks.ndjson
  keitaro-node run workflows/quickstart.yaml --output result.csv
  keitaro-node run workflows/quickstart.yaml --all-nodes nodes.json
  keitaro-node validate workflows/offer-payouts.yaml
  keitaro-node describe settings create
  keitaro-node describe --format json
  keitaro-node export-n8n workflows/quickstart.yaml --output quickstart.n8n.json
  keitaro-node check                          # KEITARO_DOMAIN, KEITARO_API_KEY from env or .env
  keitaro-node mcp --emulator                # tools for AI agents, over stdio
  keitaro-node emulator --port 8080 --seed demo

{EXIT_CODES}
credentials: a workflow names them (emulator: {{seed: demo}}, or domain and apiKey such as
${{KEITARO_API_KEY}}); otherwise KEITARO_DOMAIN and KEITARO_API_KEY are read from the environment
or from a .env file. The API key is never taken from the command line.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="keitaro-node",
        description="Automate the Keitaro tracker: the n8n Keitaro node («Работа с API Keitaro») "
        "as a Python runtime, with a local Keitaro emulator.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action=VersionAction, nargs=0, help="show the version and exit"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(
    argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Exit codes: see ``EXIT_CODES``. A user's mistake is one line on stderr, never a
    traceback; a stopped run names the node and the item."""
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help(out)
        return EXIT_INVALID
    import asyncio

    from ..errors import DefinitionError, InputError, KeitaroNodeError

    try:
        return int(args.handler(args, out, err))
    except (KeyboardInterrupt, asyncio.CancelledError):
        err.write("interrupted: stopped before the end; no output file was left half-written\n")
        return EXIT_INTERRUPTED
    except InputError as exc:
        err.write(f"error: {exc.message}\n")
        return EXIT_INVALID
    except DefinitionError as exc:
        err.write(f"internal error: {exc.message}\n")
        return EXIT_INTERNAL
    except KeitaroNodeError as exc:  # a node stopped the run on a failed item
        err.write(f"error: {exc.message}\n")
        if exc.description:
            err.write(f"  {exc.description}\n")
        return EXIT_STOPPED
    except Exception:  # a bug: say so, with where it happened, and never exit as a failed item
        import traceback

        from ..masking import SECRET_FILTER

        err.write(SECRET_FILTER.text(traceback.format_exc()))
        err.write("internal error: this is a bug in keitaro-node; please report it\n")
        return EXIT_INTERNAL


def entry() -> None:
    """The ``keitaro-node`` command: ``main``, then the process ends without tearing its heap
    down one object at a time (a quarter of a second after a large run): by then every output
    is written, closed or flushed."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


__all__ = ["EPILOG", "EXIT_CODES", "Progress", "build_parser", "entry", "main"]
