"""``keitaro-node validate``: check a workflow without running it."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import EXIT_OK, load

TYPE_CHECKING = False  # typing is not imported: it costs start-up time
if TYPE_CHECKING:
    from typing import TextIO


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    validate = sub.add_parser("validate", help="check a workflow without running it")
    validate.add_argument("workflow", type=Path)
    validate.set_defaults(handler=cmd_validate)


def cmd_validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    workflow = load(args)
    kinds = ", ".join(f"{n.name} ({n.type})" for n in workflow.nodes)
    out.write(f"{args.workflow}: valid — {len(workflow.nodes)} nodes: {kinds}\n")
    return EXIT_OK
