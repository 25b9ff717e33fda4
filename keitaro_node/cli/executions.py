"""``keitaro-node executions``: the executions ``serve --db FILE`` put on record."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .common import EXIT_INVALID, EXIT_OK

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    executions = sub.add_parser(
        "executions",
        help="list or show the executions keitaro-node serve put on record",
        description="list: newest first, one line each (--json: the API's objects); show ID: "
        "one execution with each node's items, as JSON.",
    )
    executions.add_argument("action", nargs="?", choices=("list", "show"), default="list")
    executions.add_argument("id", nargs="?", type=int, help="the execution, for show")
    executions.add_argument("--db", type=Path, required=True, metavar="FILE")
    executions.add_argument("--workflow", metavar="ID", help="only this workflow's")
    executions.add_argument(
        "--status", choices=("running", "success", "error", "canceled", "crashed")
    )
    executions.add_argument("--limit", type=int, default=20)
    executions.add_argument("--json", action="store_true", help="list as JSON")
    executions.set_defaults(handler=cmd_executions)


def cmd_executions(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..serve.records import Records

    if not args.db.is_file():
        err.write(f"error: --db {args.db}: no such file (serve --db FILE writes it)\n")
        return EXIT_INVALID
    records = Records(args.db)
    try:
        if args.action == "show":
            if args.id is None:
                err.write("error: executions show ID: which execution?\n")
                return EXIT_INVALID
            record = records.get(args.id)
            if record is None:
                err.write(f"error: no execution {args.id} in {args.db}\n")
                return EXIT_INVALID
            shown = {**record.summary(), "nodes": record.nodes or {}}
            out.write(json.dumps(shown, ensure_ascii=False, indent=2) + "\n")
            return EXIT_OK
        found = records.list(workflow=args.workflow, status=args.status, limit=args.limit)
        if args.json:
            out.write(json.dumps([r.summary() for r in found], ensure_ascii=False, indent=2))
            out.write("\n")
            return EXIT_OK
        for r in found:
            problem = f"  {r.error.get('message')}" if r.error else ""
            out.write(
                f"{r.id:>6}  {r.status:<8} {r.mode:<8} {r.started_at}  {r.workflow_id}{problem}\n"
            )
        return EXIT_OK
    finally:
        records.close()
