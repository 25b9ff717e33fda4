"""``keitaro-node export-n8n``: a YAML workflow as n8n workflow JSON."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .common import EXIT_OK

TYPE_CHECKING = False  # typing is not imported: it costs start-up time
if TYPE_CHECKING:
    from typing import TextIO


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = sub.add_parser("export-n8n", help="convert a YAML workflow to n8n workflow JSON")
    export.add_argument("workflow", type=Path)
    export.add_argument("--output", "-o", type=Path)
    export.set_defaults(handler=cmd_export)


def cmd_export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ..n8n import export_n8n
    from ..outputs import atomic_writer
    from ..workflows import load_workflow

    warnings: list[str] = []
    doc = export_n8n(load_workflow(args.workflow), warnings=warnings)
    text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    for warning in warnings:
        err.write(f"warning: {warning} (kept for keitaro-node under 'keitaroNode')\n")
    if args.output:
        with atomic_writer(args.output) as fh:
            fh.write(text)
    else:
        out.write(text)
    return EXIT_OK
