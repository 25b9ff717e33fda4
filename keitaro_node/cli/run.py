"""``keitaro-node run``: run a workflow (YAML, or an n8n export) and write its items."""

from __future__ import annotations

import argparse
import gc
import json
import os
from pathlib import Path

from ..defaults import DEFAULT_GRACE
from .common import (
    EXIT_INTERRUPTED,
    EXIT_ITEMS_FAILED,
    EXIT_OK,
    Progress,
    add_credentials,
    add_emulator,
    add_env_file,
    load,
    overrides,
    run_interruptibly,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, TextIO

    from ..masking import Redactor
    from ..outputs import Format
    from ..workflows import Workflow


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = sub.add_parser("run", help="run a workflow (YAML, or an n8n workflow JSON export)")
    run.add_argument("workflow", type=Path)
    run.add_argument("--output", "-o", type=Path, help="write the result here (atomically)")
    run.add_argument("--format", "-f", choices=("json", "ndjson", "csv"), help="result format")
    run.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a value: NodeName.key=value or a top-level key=value",
    )
    add_emulator(run, "run against the embedded emulator (default seed: demo)")
    add_env_file(run)
    add_credentials(run, "a YAML/JSON file with domain and apiKey (used instead of the workflow's)")
    run.add_argument("--quiet", "-q", action="store_true", help="no summary or progress on stderr")
    run.add_argument(
        "--resume",
        action="store_true",
        help="continue streamTo exports that an earlier run left unfinished (partial file kept)",
    )
    run.add_argument(
        "--grace",
        type=float,
        default=DEFAULT_GRACE,
        metavar="SECONDS",
        help="after Ctrl-C/SIGTERM, how long requests in flight may finish "
        f"(default {DEFAULT_GRACE:g}; a second Ctrl-C stops at once)",
    )
    run.add_argument(
        "--csv-formulas",
        action="store_true",
        help="CSV: write cells starting with = + - @ as they are (default: prefixed with ' so "
        "that spreadsheets do not run them as formulas)",
    )
    run.add_argument(
        "--allow-path",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="a folder outside the workflow's own that its items files, outputs and exports "
        "may be in (repeatable; by default a workflow's files stay inside its folder)",
    )
    run.add_argument(
        "--max-memory",
        type=int,
        metavar="MB",
        help="the run's memory budget: a node that takes the run past it fails, naming itself "
        "(default: three quarters of the machine's memory)",
    )
    run.add_argument(
        "--pinned",
        action="store_true",
        help="n8n exports: nodes with pinned data output it instead of running, as in n8n's "
        "manual runs (default: pinned data is ignored)",
    )
    run.add_argument(
        "--all-nodes",
        type=Path,
        metavar="FILE",
        help="also write every executed node's items (first output) as JSON {node: items}, "
        "to debug or to compare with n8n",
    )
    run.set_defaults(handler=cmd_run)


def secrets_of(workflow: Workflow, environ: dict[str, str]) -> Redactor:
    """A Redactor for the credential values a run can know: the key variables, the workflow's
    credentials (a file's values, or the ``${VAR}`` it names)."""
    from ..credentials import SECRET_FIELDS, TYPES
    from ..masking import Redactor, is_sensitive_name
    from ..workflows.document import secret_names

    given = workflow.credentials or {}
    values = [environ[n] for n in secret_names({"credentials": given}) if environ.get(n)]
    values += [v for k, v in given.items() if is_sensitive_name(k) and isinstance(v, str)]
    for kind in TYPES:  # credentials by type and name: their secret fields
        for fields in (given.get(kind) or {}).values():
            values += [v for k, v in fields.items() if k in SECRET_FIELDS or is_sensitive_name(k)]
    return Redactor(v for v in values if "${" not in v)


def masked_in_place(items: list[Any], redactor: Redactor) -> list[Any]:
    """The items, masked one by one in their own list (a large result is not copied whole)."""
    for i, item in enumerate(items):
        items[i] = redactor.data(item)
    return items


def typed_folders(args: argparse.Namespace) -> list[Path]:
    """The folders of file paths given with ``--set NODE.file=…`` (``path``, ``streamTo``): typed
    on the command line, they are the user's own."""
    from ..workflows.paths import FILE_SETTINGS

    folders = []
    for key, value in overrides(getattr(args, "set", [])).items():
        if key.rpartition(".")[2] in FILE_SETTINGS.values() and value:
            folders.append((args.workflow.parent / value).resolve().parent)
    return folders


def cmd_run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from dataclasses import replace

    from .. import credentials, outputs
    from ..embedded import run_workflow
    from ..errors import Interrupted
    from ..workflows import NodeFailed

    output_format(args)  # a conflicting --output/--format is refused before anything runs
    workflow = load(args)
    if args.emulator:
        workflow = replace(workflow, credentials={"emulator": {"seed": args.emulator}})
    elif args.credentials:
        workflow = replace(workflow, credentials=credentials.read_file(args.credentials))
    env_files = list(dict.fromkeys([args.env_file, args.workflow.parent / ".env"]))
    environ = {**credentials.read_dotenv(*env_files), **os.environ}
    progress = Progress(err, not args.quiet)
    redactor = secrets_of(workflow, environ)  # every credential value, in every output
    gc.freeze()  # what is loaded by now lives as long as the process: the collector skips it
    try:
        result = run_interruptibly(
            run_workflow(
                workflow,
                environ=environ,
                on_progress=progress,
                env_files=env_files,
                grace=args.grace,
                resume=args.resume,
                pinned=args.pinned,
                allow_paths=[*args.allow_path, *typed_folders(args)],
                max_memory=args.max_memory,
                keep_outputs=bool(args.all_nodes),
            )
        )
    except Interrupted as stop:
        where = emit(masked_in_place(stop.items, redactor), args, out)
        err.write(f"{stop.message}; kept them{where or ' on stdout'}\n")
        return EXIT_INTERRUPTED
    except NodeFailed as stopped:  # exit 3, with every node that ran written for --all-nodes
        if args.all_nodes:
            with outputs.atomic_writer(args.all_nodes) as handle:
                json.dump(redactor.data(all_nodes(stopped.history)), handle, ensure_ascii=False)
        raise
    where = emit(masked_in_place(result.items, redactor), args, out)
    for warning in result.warnings:
        err.write(f"warning: {warning}\n")
    if args.all_nodes:
        with outputs.atomic_writer(args.all_nodes) as handle:
            json.dump(
                redactor.data(all_nodes(result.history)), handle, ensure_ascii=False, indent=2
            )
    if not args.quiet:
        err.write(
            f"{workflow.name}: {len(result.order)} node runs, {len(result.items)} items out"
            f"{where}, {result.failed} failed ({result.seconds:.2f} s)\n"
        )
    return EXIT_ITEMS_FAILED if result.failed else EXIT_OK


def all_nodes(history: Mapping[str, Any]) -> dict[str, Any]:
    """Each executed node's items on its first output, as n8n shows them; a node that ran
    several times (in a loop): ``{"runs": [items of each run, in order]}``."""

    def shown(run: Any) -> list[dict[str, Any]]:
        return [{k: i[k] for k in ("json", "pairedItem") if k in i} for i in run.items]

    return {
        name: shown(runs[0]) if len(runs) == 1 else {"runs": [shown(r) for r in runs]}
        for name, runs in history.items()
    }


def output_format(args: argparse.Namespace) -> Format:
    """The result's format: --format, or the --output file's ending; a conflict is refused."""
    from .. import outputs
    from ..errors import InputError

    output, fmt = args.output, args.format
    if output is None:
        return outputs.format_of("-", fmt or "json")
    if Path(output).is_dir():
        raise InputError(f"--output {output} is a directory: give a file name")
    if fmt and Path(output).suffix.lstrip(".").lower() in (*outputs.FORMATS, "jsonl"):
        named = outputs.format_of(output)
        if named != fmt:
            raise InputError(f"--output {output} is {named} by its name, but --format says {fmt}")
    return outputs.format_of(output, fmt)


def emit(items: list[Any], args: argparse.Namespace, out: TextIO) -> str:
    """Write the items to --output (atomically) or to stdout; say where."""
    from .. import outputs

    kind = output_format(args)
    guard = not args.csv_formulas
    if args.output:
        outputs.write_items(items, args.output, kind, formula_guard=guard)
        return f" -> {args.output}"
    if kind == "json" and out.isatty():  # a person reads it: indented
        out.write(json.dumps([i["json"] for i in items], ensure_ascii=False, indent=2) + "\n")
    else:  # a program reads it: as files are written, an item a line (10x faster to write)
        out.write(outputs.dumps_items(items, kind, formula_guard=guard))
    return ""
