"""``keitaro-node describe``: the resources and operations of the node definition."""

from __future__ import annotations

import argparse
import json

from .common import EXIT_OK

TYPE_CHECKING = False  # typing is not imported: it costs start-up time
if TYPE_CHECKING:
    from typing import TextIO


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    describe = sub.add_parser("describe", help="list resources and operations, or one operation")
    describe.add_argument("resource", nargs="?")
    describe.add_argument("operation", nargs="?")
    describe.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    describe.add_argument(
        "--original",
        action="store_true",
        help="with --format markdown: the original node's 72 actions and what each sends",
    )
    describe.set_defaults(handler=cmd_describe)


def cmd_describe(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..core.definition import load_definition
    from .renderers import (
        describe_json,
        describe_markdown,
        describe_operation,
        describe_table,
        original_markdown,
    )

    definition = load_definition()
    if args.format == "markdown":
        table = original_markdown if args.original else describe_markdown
        out.write(table(definition) + "\n")
    elif args.format == "json":
        rows = describe_json(definition)
        if args.resource:
            rows = [
                r
                for r in rows
                if r["resource"] == args.resource
                and (not args.operation or r["operation"] == args.operation)
            ]
        out.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    elif args.operation:
        out.write(
            describe_operation(definition, definition.operation(args.resource, args.operation))
            + "\n"
        )
    else:
        if args.resource and args.resource not in definition.resources:
            definition.operation(args.resource, "")  # raises the "unknown resource" error
        out.write(describe_table(definition, args.resource) + "\n")
    return EXIT_OK
