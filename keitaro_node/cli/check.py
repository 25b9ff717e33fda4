"""``keitaro-node check``: what a tracker offers to your credentials (safe reads only)."""

from __future__ import annotations

import argparse
import json
import os

from .common import EXIT_INVALID, EXIT_OK, add_credentials, add_env_file

TYPE_CHECKING = False  # typing is not imported: it costs start-up time
if TYPE_CHECKING:
    from typing import TextIO


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = sub.add_parser(
        "check",
        help="what a tracker offers to your credentials (safe reads only, never a write)",
        description="Reads credentials as run does (--credentials FILE, else KEITARO_DOMAIN, "
        "KEITARO_API_KEY and KEITARO_POSTBACK_KEY from the environment or .env) and reports: "
        "reachable, Admin API or an HTML page, key valid, key kind, and which read operations "
        "answer. Exit 0 when the tracker answers with a valid key, 2 otherwise.",
    )
    add_credentials(check, "YAML/JSON: domain, apiKey")
    add_env_file(check)
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.set_defaults(handler=cmd_check)


def cmd_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import asyncio

    from .. import credentials
    from ..check import check

    environ = {**credentials.read_dotenv(args.env_file), **os.environ}
    spec = credentials.read_file(args.credentials) if args.credentials else None
    source = str(args.credentials or "the environment")
    report = asyncio.run(check(credentials.resolve(spec, environ, source, [args.env_file])))
    if args.format == "json":
        out.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        out.write(report.text() + "\n")
    return EXIT_OK if report.usable else EXIT_INVALID
