"""``keitaro-node``: run / validate / describe / export-n8n / check / emulator.

Heavy imports (aiohttp, jsonschema) happen inside the commands, so ``--help`` and ``--version``
start fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

TYPE_CHECKING = False  # typing itself is not imported: it costs start-up time
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any, TextIO

    from .model import Definition, Operation
    from .outputs import Format

EXIT_OK = 0
EXIT_ITEMS_FAILED = 1
EXIT_INVALID = 2
EXIT_STOPPED = 3
EXIT_INTERRUPTED = 130

EPILOG = """\
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
  keitaro-node emulator --port 8080 --seed demo

exit codes:
  0    every item succeeded
  1    the run finished, but some items failed (continue-on-fail)
  2    invalid input: bad workflow, parameters, credentials or usage
  3    the run stopped: an item failed in a node with onError: stopWorkflow
  130  interrupted (Ctrl-C or SIGTERM); finished output is kept, no half-written file

credentials: a workflow names them (emulator: {seed: demo}, or domain and apiKey such as
${KEITARO_API_KEY}); otherwise KEITARO_DOMAIN and KEITARO_API_KEY are read from the environment
or from a .env file. The API key is never taken from the command line.
"""


def _version() -> str:
    from ._version import __version__

    return __version__


class VersionAction(argparse.Action):
    """``--version``, looked up only when asked for (importlib.metadata is slow to import)."""

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        sys.stdout.write(f"keitaro-node {_version()}\n")
        parser.exit()


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
    run.add_argument(
        "--emulator",
        nargs="?",
        const="demo",
        choices=("demo", "empty"),
        metavar="SEED",
        help="run against the embedded emulator (default seed: demo)",
    )
    run.add_argument("--env-file", type=Path, default=Path(".env"), help="default: ./.env")
    run.add_argument(
        "--credentials",
        type=Path,
        metavar="FILE",
        help="a YAML/JSON file with domain and apiKey (used instead of the workflow's)",
    )
    run.add_argument("--quiet", "-q", action="store_true", help="no summary or progress on stderr")
    run.add_argument(
        "--resume",
        action="store_true",
        help="continue streamTo exports that an earlier run left unfinished (partial file kept)",
    )
    run.add_argument(
        "--grace",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="after Ctrl-C/SIGTERM, how long requests in flight may finish (default 5; "
        "a second Ctrl-C stops at once)",
    )
    run.add_argument(
        "--csv-formulas",
        action="store_true",
        help="CSV: write cells starting with = + - @ as they are (default: prefixed with ' so "
        "that spreadsheets do not run them as formulas)",
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

    validate = sub.add_parser("validate", help="check a workflow without running it")
    validate.add_argument("workflow", type=Path)

    describe = sub.add_parser("describe", help="list resources and operations, or one operation")
    describe.add_argument("resource", nargs="?")
    describe.add_argument("operation", nargs="?")
    describe.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    describe.add_argument(
        "--original",
        action="store_true",
        help="with --format markdown: the original node's 72 actions and what each sends",
    )

    check = sub.add_parser(
        "check",
        help="what a tracker offers to your credentials (safe reads only, never a write)",
        description="Reads credentials as run does (--credentials FILE, else KEITARO_DOMAIN, "
        "KEITARO_API_KEY and KEITARO_POSTBACK_KEY from the environment or .env) and reports: "
        "reachable, Admin API or an HTML page, key valid, key kind, and which read operations "
        "answer. Exit 0 when the tracker answers with a valid key, 2 otherwise.",
    )
    check.add_argument("--credentials", type=Path, metavar="FILE", help="YAML/JSON: domain, apiKey")
    check.add_argument("--env-file", type=Path, default=Path(".env"), help="default: ./.env")
    check.add_argument("--format", choices=("text", "json"), default="text")

    export = sub.add_parser("export-n8n", help="convert a YAML workflow to n8n workflow JSON")
    export.add_argument("workflow", type=Path)
    export.add_argument("--output", "-o", type=Path)

    emu = sub.add_parser("emulator", help="run the local Keitaro emulator until interrupted")
    emu.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1; anything else must be given here)",
    )
    emu.add_argument("--port", type=int, default=8080)
    emu.add_argument(
        "--api-key-env",
        default="KEITARO_API_KEY",
        metavar="NAME",
        help="environment variable with the key to accept (else one is generated)",
    )
    emu.add_argument("--db", default=":memory:", help="SQLite file (default: in memory)")
    emu.add_argument("--seed", default="demo", choices=("demo", "empty"))
    emu.add_argument("--clicks", type=int, default=2000)
    emu.add_argument(
        "--faults", default=None, metavar="SPEC", help="e.g. 500=0.1,429=0.05,latency=20"
    )
    emu.add_argument("--validation-status", type=int, choices=(406, 422), default=422)
    emu.add_argument("--unknown-path", choices=("html", "404"), default="html")
    emu.add_argument(
        "--restricted",
        action="store_true",
        help="answer as a USER-type key does: 403 on /users, no domains",
    )
    emu.add_argument(
        "--original-paths",
        action="store_true",
        help="also serve the original node's guessed paths (/settings, …): no tracker has them",
    )
    emu.add_argument(
        "--postback-key",
        default="emulatorpostback",
        metavar="KEY",
        help="the key of the S2S postback URL /KEY/postback (default: emulatorpostback)",
    )
    return parser


# --------------------------------------------------------------------------- describe


def describe_json(definition: Definition) -> list[dict[str, Any]]:
    return [
        {
            "resource": op.resource,
            "resourceDisplayName": definition.resources[op.resource].display_name,
            "resourceDisplayNameEn": definition.resources[op.resource].display_name_en,
            "operation": op.value,
            "displayName": op.display_name,
            "displayNameEn": op.display_name_en,
            "method": op.method,
            "path": op.path,
            "endpoint": op.endpoint,
            "official": op.official,
            "requests": [{"method": m, "path": p} for m, p in op.requests()],
            "idempotent": op.idempotent,
            "returns": op.returns,
            **({"note": op.note} if op.note else {}),
            **({"refused": dict(op.refuse)} if op.refuse else {}),
        }
        for op in definition.operations()
    ]


def requests_text(op: Operation) -> str:
    """``GET /admin_api/v1/campaigns/{campaignId} → PUT …``: what the operation sends."""
    return " → ".join(f"{method} {path}" for method, path in op.requests())


def describe_operation(definition: Definition, op: Operation) -> str:
    res = definition.resources[op.resource]
    lines = [
        f"{op.key} — {res.display_name}: {op.display_name} "
        f"({res.display_name_en}: {op.display_name_en})",
        *(f"  {method} {path}" for method, path in op.requests()),
        f"  official: {'yes' if op.official else 'no — ' + op.note}",
        f"  idempotent: {'yes (retried on 429/5xx/network errors)' if op.idempotent else 'no'}",
        f"  returns: {op.returns}"
        + (f", pages with returnAll ({op.paging.page_size} a page)" if op.paging else ""),
    ]
    if op.description:
        lines.append(f"  {op.description}")
    lines.extend(f"  {step}" for step in _steps_text(op))
    lines.append("")
    lines.append("properties:" if op.properties else "properties: none")
    for prop in op.properties:
        flags = ", ".join(
            f
            for f in (
                prop.type,
                "required" if prop.required else "",
                f"in {prop.placement}" + (f" as {prop.target}" if prop.key else ""),
                f"default {json.dumps(prop.default, ensure_ascii=False)}"
                if prop.default is not None
                else "",
            )
            if f
        )
        lines.append(f"  {prop.name}  «{prop.display_name}» ({prop.display_name_en}) — {flags}")
        if prop.description:
            lines.append(f"      {prop.description}")
        if prop.choices:
            lines.append(
                "      one of: " + ", ".join(f"{c.value} ({c.display_name})" for c in prop.choices)
            )
        for child in prop.options:
            where = f"{child.placement} {child.target}"
            lines.append(f"      · {child.name}  «{child.display_name}» — {child.type}, {where}")
    for rule in op.rules:
        lines.append(f"  rule: {rule.message}")
    for name, why in op.refuse.items():
        lines.append(f"  refused: {name} — {why}")
    return "\n".join(lines)


def _steps_text(op: Operation) -> list[str]:
    """How a multi-step operation reads, picks, changes and looks records up, in words."""
    out = []
    if op.select is not None:
        where = " and ".join(f"{f} = {p}" for f, p in op.select.where.items()) or "every record"
        out.append(f"selects from {op.select.source or 'the answer'}: {where}")
    if op.edit is not None:
        which = f" whose {op.edit.key} = {op.edit.match}" if op.edit.match else ""
        out.append(f"edits the object's {op.edit.array}: {op.edit.action} the element{which}")
    if op.reconcile is not None:
        key = ", ".join(op.reconcile.key) or "every sent field, among new records"
        out.append(
            f"after a lost answer, looks the record up in GET {op.reconcile.list_path} by {key}"
        )
    return out


def describe_table(definition: Definition, resource: str | None) -> str:
    lines = []
    for res in definition.resources.values():
        if resource and res.value != resource:
            continue
        marker = "" if res.original else "  (not in the original node)"
        lines.append(f"{res.value} — {res.display_name} ({res.display_name_en}){marker}")
        for op in res.operations.values():
            flag = "" if op.official else "  [unofficial]"
            lines.append(f"  {op.value:<15} {op.display_name:<20} {requests_text(op)}{flag}")
    return "\n".join(lines)


def describe_markdown(definition: Definition) -> str:
    """The resource × operation table of the README."""
    lines = [
        "| resource | operation | Russian | English | request | official |",
        "|---|---|---|---|---|---|",
    ]
    for res in definition.resources.values():
        for op in res.operations.values():
            official = "yes" if op.official else "**no**"
            lines.append(
                f"| `{res.value}` {res.display_name} | `{op.value}` | {op.display_name} | "
                f"{op.display_name_en} | `{requests_text(op)}` | {official} |"
            )
    return "\n".join(lines)


ORIGINAL_OPERATIONS = ("create", "get", "update", "delete")
ORIGINAL_EXTRAS = (
    ("click", "getAll"),
    ("conversion", "getAll"),
    ("stats", "getAll"),
    ("postback", "test"),
)


def original_actions(definition: Definition) -> list[tuple[str, str]]:
    """The original node's 72 actions: 17 resources × 4, and 4 more."""
    basics = [
        (res.value, value)
        for res in definition.resources.values()
        if res.original
        for value in ORIGINAL_OPERATIONS
    ]
    return basics + list(ORIGINAL_EXTRAS)


def _check_column(op: Operation, probed: Any) -> str:
    if op.key in probed:
        return "probed"
    return "read (needs an ID): not probed" if op.value.startswith("get") else "write: never sent"


def original_markdown(definition: Definition) -> str:
    """The README's table of the original node's actions: what each sends, and how it fares."""
    from .check import safe_reads

    probed = safe_reads(definition)
    lines = [
        "| action | sends | official | `keitaro-node check` |",
        "|---|---|---|---|",
    ]
    for resource, value in original_actions(definition):
        res = definition.resources[resource]
        op = res.operations.get(value)
        if op is None:
            supported = ", ".join(res.operations)
            lines.append(
                f"| {res.display_name}: {value} | — (refused, as the original node does; "
                f"{resource} supports {supported}) | — | — |"
            )
            continue
        official = "yes" if op.official else "**no**: a tracker answers with its panel page"
        lines.append(
            f"| {res.display_name}: {op.display_name} (`{resource} {value}`) | "
            f"`{requests_text(op)}` | {official} | {_check_column(op, probed)} |"
        )
    return "\n".join(lines)


def cmd_describe(args: argparse.Namespace, out: TextIO) -> int:
    from .loader import load_definition

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


# --------------------------------------------------------------------------- run


class Progress:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, stream: TextIO, enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled and stream.isatty()
        self._last = ""

    def __call__(self, node: str, done: int, total: int) -> None:
        if not self.enabled or total < 20:
            return
        width = 30
        filled = width * done // total
        line = f"\r{node[:24]:<24} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        if line != self._last:
            self.stream.write(line)
            self.stream.flush()
            self._last = line
        if done == total:
            self.stream.write("\n")


def _overrides(pairs: Sequence[str]) -> dict[str, str]:
    from .errors import InputError

    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InputError(f"--set {pair!r}: expected KEY=VALUE")
        out[key] = value
    return out


def _load(args: argparse.Namespace) -> Any:
    """The workflow named on the command line: YAML, or an n8n JSON export."""
    overrides = _overrides(getattr(args, "set", []))
    if args.workflow.suffix.lower() == ".json":
        from .n8n import load_n8n

        return load_n8n(args.workflow, overrides=overrides)
    from .workflows import load_workflow

    return load_workflow(args.workflow, overrides=overrides)


def cmd_run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from dataclasses import replace

    from . import outputs
    from .errors import Interrupted
    from .workflows import read_dotenv, run_workflow

    _output_format(args)  # a conflicting --output/--format is refused before anything runs
    workflow = _load(args)
    if args.emulator:
        workflow = replace(workflow, credentials={"emulator": {"seed": args.emulator}})
    elif args.credentials:
        workflow = replace(workflow, credentials=_credentials_file(args.credentials))
    env_files = list(dict.fromkeys([args.env_file, args.workflow.parent / ".env"]))
    environ = {**read_dotenv(*env_files), **os.environ}
    progress = Progress(err, not args.quiet)
    try:
        result = _run_interruptibly(
            run_workflow(
                workflow,
                environ=environ,
                on_progress=progress,
                env_files=env_files,
                grace=args.grace,
                resume=args.resume,
                pinned=args.pinned,
            )
        )
    except Interrupted as stop:
        where = _emit(stop.items, args, out)
        err.write(f"{stop.message}; kept them{where or ' on stdout'}\n")
        return EXIT_INTERRUPTED
    where = _emit(result.items, args, out)
    for warning in result.warnings:
        err.write(f"warning: {warning}\n")
    if args.all_nodes:
        with outputs.atomic_writer(args.all_nodes) as handle:
            json.dump(all_nodes(result), handle, ensure_ascii=False, indent=2)
    if not args.quiet:
        err.write(
            f"{workflow.name}: {len(result.order)} node runs, {len(result.items)} items out"
            f"{where}, {result.failed} failed ({result.seconds:.2f} s)\n"
        )
    return EXIT_ITEMS_FAILED if result.failed else EXIT_OK


def all_nodes(result: Any) -> dict[str, list[dict[str, Any]]]:
    """Each executed node's items on its first output, as n8n shows them."""
    return {
        name: [{"json": i["json"], "pairedItem": i.get("pairedItem")} for i in run.items]
        for name, run in result.runs.items()
    }


def _output_format(args: argparse.Namespace) -> Format:
    """The result's format: --format, or the --output file's ending; a conflict is refused."""
    from . import outputs
    from .errors import InputError

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


def _emit(items: list[Any], args: argparse.Namespace, out: TextIO) -> str:
    """Write the items to --output (atomically) or to stdout; say where."""
    from . import outputs

    kind = _output_format(args)
    guard = not args.csv_formulas
    if args.output:
        outputs.write_items(items, args.output, kind, formula_guard=guard)
        return f" -> {args.output}"
    if kind == "json":
        out.write(json.dumps([i["json"] for i in items], ensure_ascii=False, indent=2) + "\n")
    else:
        out.write(outputs.dumps_items(items, kind, formula_guard=guard))
    return ""


def _credentials_file(path: Path) -> dict[str, Any]:
    """``domain`` and ``apiKey`` from a YAML or JSON file (keep it readable only by you)."""
    import yaml

    from .errors import InputError
    from .workflows import parse_yaml

    try:
        data = parse_yaml(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: cannot read the credentials file: {exc}") from None
    if not isinstance(data, dict) or not data.get("domain") or not data.get("apiKey"):
        raise InputError(f"{path}: a credentials file needs 'domain' and 'apiKey'")
    extra = {"postbackKey": str(data["postbackKey"])} if data.get("postbackKey") else {}
    return {"domain": str(data["domain"]), "apiKey": str(data["apiKey"]), **extra}


def _run_interruptibly(coro: Any) -> Any:
    """Run to completion. Ctrl-C and SIGTERM both cancel the run, so it stops the same way: no
    new item starts, requests in flight get the grace period, what finished is kept and what did
    not is reported (Interrupted), and no file is left half-written. A second one cancels the
    grace period."""
    import asyncio
    import signal

    async def guarded() -> Any:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        return await coro

    return asyncio.run(guarded())


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    import asyncio

    from .check import check
    from .model import Credentials
    from .workflows import read_dotenv

    environ = {**read_dotenv(args.env_file), **os.environ}
    if args.credentials:
        spec = _credentials_file(args.credentials)
        credentials = Credentials(spec["domain"], spec["apiKey"], spec.get("postbackKey"))
    else:
        credentials = Credentials.from_env(environ)
    report = asyncio.run(check(credentials))
    if args.format == "json":
        out.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        out.write(report.text() + "\n")
    return EXIT_OK if report.usable else EXIT_INVALID


def cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    workflow = _load(args)
    kinds = ", ".join(f"{n.name} ({n.type})" for n in workflow.nodes)
    out.write(f"{args.workflow}: valid — {len(workflow.nodes)} nodes: {kinds}\n")
    return EXIT_OK


def cmd_export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .n8n import export_n8n
    from .outputs import atomic_writer
    from .workflows import load_workflow

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


def cmd_emulator(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import asyncio

    from .emulator import Emulator

    key = os.environ.get(args.api_key_env) or os.urandom(12).hex()
    generated = not os.environ.get(args.api_key_env)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        err.write(f"warning: binding {args.host}: the emulator is reachable from other machines\n")

    async def serve() -> None:
        async with Emulator(
            api_key=key,
            host=args.host,
            port=args.port,
            db=args.db,
            seed=args.seed,
            clicks=args.clicks,
            faults=args.faults,
            validation_status=args.validation_status,
            unknown_path=args.unknown_path,
            restricted=args.restricted,
            original_paths=args.original_paths,
            postback_key=args.postback_key,
        ) as emu:
            out.write(f"Keitaro emulator at {emu.url}  (Admin API: {emu.url}/admin_api/v1)\n")
            out.write(f"S2S postback URL: {emu.url}/{args.postback_key}/postback\n")
            if args.original_paths:
                out.write(
                    "Serving the original node's guessed paths too (no real tracker has them)\n"
                )
            if generated:
                out.write(
                    f"API key (generated for this run): {key}\n"
                    f"  export KEITARO_DOMAIN={emu.url} KEITARO_API_KEY={key}\n"
                )
            else:
                out.write(f"API key: the value of ${args.api_key_env}\n")
            out.write("Ctrl-C stops it.\n")
            out.flush()
            await asyncio.Event().wait()

    try:
        _run_interruptibly(serve())
    except OSError as exc:  # the port is taken, or the address is not this machine's
        err.write(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}\n")
        return EXIT_INVALID
    except (KeyboardInterrupt, asyncio.CancelledError):
        err.write("emulator stopped\n")
    return EXIT_OK


# --------------------------------------------------------------------------- main


def main(
    argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help(out)
        return EXIT_INVALID
    import asyncio

    from .errors import InputError, KeitaroNodeError

    try:
        if args.command == "run":
            return cmd_run(args, out, err)
        if args.command == "validate":
            return cmd_validate(args, out)
        if args.command == "describe":
            return cmd_describe(args, out)
        if args.command == "export-n8n":
            return cmd_export(args, out, err)
        if args.command == "check":
            return cmd_check(args, out)
        return cmd_emulator(args, out, err)
    except (KeyboardInterrupt, asyncio.CancelledError):
        err.write("interrupted: stopped before the end; no output file was left half-written\n")
        return EXIT_INTERRUPTED
    except InputError as exc:
        err.write(f"error: {exc.message}\n")
        return EXIT_INVALID
    except KeitaroNodeError as exc:
        err.write(f"error: {exc.message}\n")
        if exc.description:
            err.write(f"  {exc.description}\n")
        return EXIT_STOPPED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
