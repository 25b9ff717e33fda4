"""YAML workflows: load and check them (errors give file, line and key), then run them.

Execution follows n8n's v1 order: a stack of nodes to run; after a node, each child reached by
a non-empty output goes to the front (depth first, children in listed order). Start nodes (no
incoming connection) receive one empty item, as after n8n's manual trigger.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from dotenv import dotenv_values
from jsonschema import Draft202012Validator

from . import expressions, outputs
from .errors import InputError, Interrupted, KeitaroNodeError, RequestError, reason
from .executor import DEFAULT_GRACE
from .expressions import Context, NodeRun
from .limits import MAX_DEPTH
from .loader import json_path, load_definition, schema_dir
from .masking import is_sensitive_name
from .model import JSON, Credentials, Definition, Item
from .node import KeitaroNode
from .parameters import OperationInputs

WORKFLOW_SCHEMA = "workflow.schema.json"
ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
DEFAULT_TRIES, DEFAULT_WAIT_MS = 3, 1000

NodeProgress = Callable[[str, int, int], None]
"""Called with (node name, items done, items in all)."""


class WorkflowError(InputError):
    """An invalid workflow: the message starts with ``file:line: key``."""


class NodeFailed(KeitaroNodeError):
    """The run stopped: an item of a node with ``onError: stopWorkflow`` failed."""

    def __init__(self, node: str, item_index: int, message: str, description: str | None) -> None:
        super().__init__(f"node {node!r}, item {item_index}: {message}", description=description)
        self.node = node
        self.item_index = item_index


@dataclass(frozen=True)
class WorkflowNode:
    name: str
    type: str
    config: Mapping[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        return self.config.get(key, default)


@dataclass(frozen=True)
class Workflow:
    name: str
    nodes: tuple[WorkflowNode, ...]
    connections: Mapping[str, Mapping[str, tuple[str, ...]]]
    credentials: Mapping[str, Any] | None = None
    env: tuple[str, ...] = ()
    timezone: str | None = None
    """settings.timezone; None: n8n's default (GENERIC_TIMEZONE, else America/New_York)."""
    source: Path | None = None
    document: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def node(self, name: str) -> WorkflowNode:
        return next(n for n in self.nodes if n.name == name)

    def parents(self, name: str) -> list[str]:
        return [
            src for src, outs in self.connections.items() if any(name in t for t in outs.values())
        ]


@dataclass
class RunResult:
    items: list[Item]
    """The output of the last nodes (those with no children), in execution order."""
    runs: dict[str, NodeRun]
    order: list[str]
    failed: int = 0
    """Items that failed and were kept (continue-on-fail) across the run."""
    seconds: float = 0.0


# --------------------------------------------------------------------------- loading


class WorkflowLoader(yaml.SafeLoader):
    """Safe YAML without aliases (600 bytes of them can expand to gigabytes) or deep nesting."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in workflow files", mark
            )
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"nested deeper than {MAX_DEPTH} levels", mark
            )
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def parse_yaml(text: str) -> Any:
    """A YAML (or JSON) text with ``WorkflowLoader``: yaml.YAMLError on any problem (a number
    of more than 4,300 digits too, which Python refuses to read)."""
    try:
        return yaml.load(text, Loader=WorkflowLoader)  # noqa: S506 - a SafeLoader subclass
    except (ValueError, RecursionError) as exc:
        raise yaml.YAMLError(str(exc)) from None


class _Lines:
    """Maps a JSON path in a YAML document to its line, using the composed node tree."""

    def __init__(self, text: str) -> None:
        try:
            self.root: yaml.Node | None = yaml.compose(text, Loader=WorkflowLoader)
        except yaml.YAMLError:
            self.root = None

    def line(self, path: Sequence[str | int]) -> int | None:
        node = self.root
        found = node.start_mark.line + 1 if node else None
        for part in path:
            child = None
            if isinstance(node, yaml.MappingNode):
                child = next((v for k, v in node.value if k.value == part), None)
            elif (
                isinstance(node, yaml.SequenceNode)
                and isinstance(part, int)
                and part < len(node.value)
            ):
                child = node.value[part]
            if child is None:
                break
            node, found = child, child.start_mark.line + 1
        return found


@cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(
        (schema_dir() / WORKFLOW_SCHEMA).read_text(encoding="utf-8")
    )
    return schema


def _where(source: str, lines: _Lines, path: Sequence[str | int]) -> str:
    line = lines.line(path)
    key = json_path(path)
    return f"{source}:{line}: {key}" if line else f"{source}: {key}"


def _schema_problems(doc: Any, source: str, lines: _Lines) -> list[str]:
    schema = _schema()
    problems = []
    for error in sorted(
        Draft202012Validator(schema).iter_errors(doc), key=lambda e: list(map(str, e.path))
    ):
        path = list(error.absolute_path)
        if error.validator == "oneOf" and path[:1] == ["nodes"] and len(path) == 2:
            node = error.instance
            kind = node.get("type") if isinstance(node, dict) else None
            if kind not in schema["$defs"]:
                known = ", ".join(schema["$defs"])
                problems.append(
                    f"{_where(source, lines, [*path, 'type'])}: unknown node type {kind!r}; "
                    f"known: {known}"
                )
                continue
            for sub in Draft202012Validator(schema["$defs"][kind]).iter_errors(node):
                problems.append(
                    f"{_where(source, lines, [*path, *sub.absolute_path])}: {sub.message}"
                )
        elif error.validator == "oneOf" and path == ["credentials"]:
            problems.append(f"{_where(source, lines, path)}: {_credentials_problem(error)}")
        else:
            problems.append(f"{_where(source, lines, path)}: {error.message}")
    return problems


def _credentials_problem(error: Any) -> str:
    """What is wrong with ``credentials:``, said precisely (the schema only says "oneOf")."""
    given = error.instance
    usage = "give 'emulator: {seed: demo}', or 'domain' and 'apiKey' (apiKey: ${KEITARO_API_KEY})"
    if not isinstance(given, dict):
        return f"credentials must be a mapping: {usage}"
    emulator, tracker = error.schema["oneOf"]
    allowed = [*emulator["properties"], *tracker["properties"]]
    unknown = [k for k in given if k not in allowed]
    if unknown:
        return f"unknown key(s) {', '.join(map(repr, unknown))}: {usage}"
    if "emulator" in given and len(given) > 1:
        return f"'emulator' and a tracker's 'domain'/'apiKey' exclude each other: {usage}"
    branch = emulator if "emulator" in given else tracker
    for sub in Draft202012Validator(branch).iter_errors(given):
        where = ".".join(["credentials", *map(str, sub.absolute_path)])
        if sub.validator == "type":
            return f"{where} must be {sub.validator_value} (for example ${{KEITARO_API_KEY}})"
        return f"{where}: {sub.message}"
    return usage


def _connections(doc: Mapping[str, Any]) -> dict[str, dict[str, tuple[str, ...]]]:
    names = [n["name"] for n in doc["nodes"]]
    if "connections" not in doc:
        return {a: {"main": (b,)} for a, b in pairwise(names)}
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for source, targets in doc["connections"].items():
        if isinstance(targets, list):
            out[source] = {"main": tuple(targets)}
        else:
            out[source] = {k: tuple(v) for k, v in targets.items()}
    return out


def _cycle(
    names: Sequence[str], connections: Mapping[str, Mapping[str, Sequence[str]]]
) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        stack.append(name)
        for targets in connections.get(name, {}).values():
            for target in targets:
                if state.get(target) == 1:
                    return [*stack[stack.index(target) :], target]
                if target not in state and (found := visit(target)):
                    return found
        stack.pop()
        state[name] = 2
        return None

    for name in names:
        if name not in state and (found := visit(name)):
            return found
    return None


def _semantic_problems(
    doc: Mapping[str, Any], source: str, lines: _Lines, definition: Definition
) -> list[str]:
    problems: list[str] = []
    names = [n["name"] for n in doc["nodes"]]
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            problems.append(
                f"{_where(source, lines, ['nodes', i, 'name'])}: node name {name!r} is used twice"
            )
        seen.add(name)
    for src, targets in doc.get("connections", {}).items():
        if src not in seen:
            problems.append(f"{_where(source, lines, ['connections', src])}: unknown node {src!r}")
        flat = targets if isinstance(targets, list) else [t for v in targets.values() for t in v]
        for target in flat:
            if target not in seen:
                problems.append(
                    f"{_where(source, lines, ['connections', src])}: unknown node {target!r}"
                )
    if not problems and (cycle := _cycle(names, _connections(doc))):
        problems.append(
            f"{_where(source, lines, ['connections'])}: the connections form a cycle: "
            + " -> ".join(cycle)
        )
    for i, node in enumerate(doc["nodes"]):
        here: list[str | int] = ["nodes", i]
        if node["type"] == "keitaro":
            problems += _keitaro_problems(node, here, source, lines, definition)
        for key, value in _strings(node):
            if expressions.is_expression(value):
                try:
                    expressions.check(value)
                except InputError as exc:
                    problems.append(f"{_where(source, lines, [*here, *key])}: {exc.message}")
    return problems


def _strings(
    value: Any, path: tuple[str | int, ...] = ()
) -> list[tuple[tuple[str | int, ...], str]]:
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _strings(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _strings(v, (*path, i))]
    return []


def _keitaro_problems(
    node: Mapping[str, Any],
    here: list[str | int],
    source: str,
    lines: _Lines,
    definition: Definition,
) -> list[str]:
    """Resource, operation and every parameter that holds no expression, checked before running."""
    try:
        op = definition.operation(node["resource"], node["operation"])
    except InputError as exc:
        key = "resource" if exc.property == "resource" else "operation"
        return [f"{_where(source, lines, [*here, key])}: {exc.message}"]
    problems = []
    params = node.get("parameters") or {}
    inputs = OperationInputs(op)
    for given, value in params.items():
        name = inputs.canonical(given)
        if name is None:
            problems.append(
                f"{_where(source, lines, [*here, 'parameters', given])}: "
                f"{inputs.unknown([given]).message}"
            )
        elif not expressions.has_expressions(value):
            try:
                inputs.check_one(name, value)
            except InputError as exc:
                problems.append(
                    f"{_where(source, lines, [*here, 'parameters', given])}: {exc.message}"
                )
    return problems


def load_workflow(
    path: str | Path | None = None,
    *,
    text: str | None = None,
    overrides: Mapping[str, str] | None = None,
    definition: Definition | None = None,
) -> Workflow:
    """Read, validate and check a workflow file (or ``text``); WorkflowError lists problems."""
    source = str(path) if path is not None else "<workflow>"
    if text is None:
        try:
            text = Path(source).read_text(encoding="utf-8")
        except (OSError, ValueError) as exc:
            raise WorkflowError(f"{source}: cannot read: {reason(exc)}") from None
    try:
        doc = parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise WorkflowError(f"{source}{line}: not valid YAML: {problem}") from None
    if not isinstance(doc, dict):
        raise WorkflowError(f"{source}:1: a workflow is a mapping with name and nodes")
    if overrides:
        doc = apply_overrides(doc, overrides, source)
    check_document(doc, source, text, definition)
    return from_document(doc, Path(source) if path is not None else None)


def check_document(
    doc: Mapping[str, Any], source: str, text: str = "", definition: Definition | None = None
) -> None:
    """Raise WorkflowError listing every problem of a workflow document (lines from ``text``)."""
    lines = _Lines(text)
    problems = _schema_problems(doc, source, lines)
    if not problems:
        problems = _semantic_problems(doc, source, lines, definition or load_definition())
    if problems:
        raise WorkflowError("\n".join(problems))


def from_document(doc: Mapping[str, Any], source: Path | None = None) -> Workflow:
    """A Workflow from a document that already passed validation."""
    return Workflow(
        name=doc["name"],
        nodes=tuple(WorkflowNode(n["name"], n["type"], n) for n in doc["nodes"]),
        connections=_connections(doc),
        credentials=doc.get("credentials"),
        env=tuple(doc.get("env", ())),
        timezone=doc.get("settings", {}).get("timezone"),
        source=source,
        document=doc,
    )


def apply_overrides(
    doc: dict[str, Any], overrides: Mapping[str, str], source: str
) -> dict[str, Any]:
    """``--set`` values: ``NodeName.key.sub=value`` (or a top-level ``key=value``); YAML scalars."""
    doc = json.loads(json.dumps(doc))
    nodes = {n.get("name"): n for n in doc.get("nodes", []) if isinstance(n, dict)}
    for dotted, raw in overrides.items():
        head, *rest = dotted.split(".")
        if head == "credentials" and any(is_sensitive_name(k) for k in rest):
            raise WorkflowError(
                f"--set {dotted}: secrets are never taken from the command line (they would sit "
                "in shell history and process lists): use ${KEITARO_API_KEY} in the workflow, "
                "the environment, a .env file or --credentials FILE"
            )
        if head not in nodes and head not in doc:
            known = ", ".join(repr(n) for n in nodes) or "none"
            raise WorkflowError(
                f"--set {dotted}: {source} has no node named {head!r} (nodes: {known})"
            )
        target, keys = (nodes[head], rest) if head in nodes and rest else (doc, [head, *rest])
        for key in keys[:-1]:
            target = target.setdefault(key, {})
            if not isinstance(target, dict):
                raise WorkflowError(f"{source}: --set {dotted}: {key!r} is not a mapping")
        try:
            target[keys[-1]] = parse_yaml(raw) if raw else ""
        except yaml.YAMLError as exc:
            raise WorkflowError(f"--set {dotted}: not a valid value: {exc}") from None
    return doc


# --------------------------------------------------------------------------- credentials


def read_dotenv(*paths: str | Path) -> dict[str, str]:
    """The variables of .env files (python-dotenv: quotes, escapes, multi-line values,
    ``export``); a missing file is skipped, and an earlier file wins over a later one."""
    values: dict[str, str] = {}
    for path in reversed(paths or (".env",)):
        if Path(path).is_file():
            found = dotenv_values(path, encoding="utf-8")
            values.update({k: v for k, v in found.items() if v is not None})
    return values


def resolve_credentials(
    spec: Mapping[str, Any], environ: Mapping[str, str], source: str
) -> Credentials:
    """Credentials from ``domain`` and ``apiKey``; ``${VAR}`` is read from ``environ``."""

    def expand(key: str) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if not environ.get(name):
                raise WorkflowError(
                    f"{source}: credentials.{key}: environment variable {name} is not set "
                    "(export it, or put it in a .env file)"
                )
            return environ[name]

        return ENV_REF.sub(value, str(spec[key]))

    postback = expand("postbackKey") if "postbackKey" in spec else None
    return Credentials(domain=expand("domain"), api_key=expand("apiKey"), postback_key=postback)


# --------------------------------------------------------------------------- running


def _merge_error_items(errors: list[Item], inputs: Sequence[Item]) -> list[Item]:
    """n8n's error output: the failed item's json over its input item's json."""
    out: list[Item] = []
    for item in errors:
        index = item.get("pairedItem", {}).get("item", 0)
        source = inputs[index]["json"] if index < len(inputs) else {}
        out.append({"json": {**source, **item["json"]}, "pairedItem": {"item": index}})
    return out


def _dig(value: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


class Runner:
    """Runs one workflow against one tracker (``credentials`` None when no node needs it)."""

    def __init__(
        self,
        workflow: Workflow,
        credentials: Credentials | None,
        *,
        environ: Mapping[str, str],
        on_progress: NodeProgress | None = None,
        sleep: Callable[[float], Any] = asyncio.sleep,
        grace: float = DEFAULT_GRACE,
        resume: bool = False,
    ) -> None:
        self.workflow = workflow
        self.credentials = credentials
        self.grace = grace
        self.resume = resume
        """Continue interrupted streamTo exports from their checkpoints."""
        self.env = {name: environ[name] for name in workflow.env if name in environ}
        self.on_progress = on_progress
        self.runs: dict[str, NodeRun] = {}
        self.failed = 0
        self._sleep = sleep
        self.timezone = workflow.timezone or expressions.default_timezone()
        try:
            self.now = datetime.now(ZoneInfo(self.timezone))
        except (ZoneInfoNotFoundError, ValueError):
            raise WorkflowError(
                f"{workflow.source}: settings.timezone: unknown time zone {self.timezone!r}"
            ) from None
        self.execution_id = uuid.uuid4().hex

    def context(self, items: Sequence[Item], index: int, parent: str | None) -> Context:
        return Context(
            items=items,
            index=index,
            parent=parent,
            runs=self.runs,
            env=self.env,
            now=self.now,
            timezone=self.timezone,
            workflow_name=self.workflow.name,
            execution_id=self.execution_id,
        )

    async def run(self) -> RunResult:
        started = time.perf_counter()
        wf = self.workflow
        stack: list[tuple[str, list[Item], str | None]] = [
            (n.name, [{"json": {}}], None) for n in wf.nodes if not wf.parents(n.name)
        ]
        order: list[str] = []
        last: list[Item] = []
        while stack:
            name, items, parent = stack.pop(0)
            node = wf.node(name)
            outs = await self.execute(node, items, parent)
            self.runs[name] = NodeRun(outs["main"], parent)
            order.append(name)
            children = [
                (t, outs[kind], name)
                for kind, targets in wf.connections.get(name, {}).items()
                for t in targets
                if outs.get(kind)
            ]
            if not wf.connections.get(name):
                last += outs["main"]
            stack[0:0] = children
        return RunResult(last, self.runs, order, self.failed, time.perf_counter() - started)

    async def execute(
        self, node: WorkflowNode, items: list[Item], parent: str | None
    ) -> dict[str, list[Item]]:
        if node.get("disabled"):
            return {"main": items}
        if node.get("executeOnce"):
            items = items[:1]
        kind = node.type
        if kind == "keitaro":
            return await self.keitaro_node(node, items, parent)
        paired: list[Item] = [
            {"json": item["json"], "pairedItem": {"item": i}} for i, item in enumerate(items)
        ]
        if kind == "items":
            return {"main": self.items_node(node)}
        if kind == "split":
            out: list[Item] = []
            for i, item in enumerate(items):
                values = _dig(item["json"], node.get("field"))
                for value in values if isinstance(values, list) else []:
                    out.append(
                        {
                            "json": value if isinstance(value, dict) else {"value": value},
                            "pairedItem": {"item": i},
                        }
                    )
            return {"main": out}
        if kind == "filter":
            keep = [
                p
                for i, p in enumerate(paired)
                if expressions.evaluate(node.get("condition"), self.context(items, i, parent))
            ]
            return {"main": keep}
        if kind == "set":
            out = []
            for i, item in enumerate(items):
                fields = expressions.resolve(node.get("fields"), self.context(items, i, parent))
                base = {} if node.get("keepOnlySet", True) else dict(item["json"])
                out.append({"json": {**base, **fields}, "pairedItem": {"item": i}})
            return {"main": out}
        if kind == "output":
            guard = not node.get("csvFormulas", False)
            path = self.path(node.get("path"))
            outputs.write_items(paired, path, node.get("format"), formula_guard=guard)
            return {"main": paired}
        return {"main": paired}  # noop

    async def stream_node(
        self, node: WorkflowNode, keitaro: KeitaroNode, items: list[Item], parent: str | None
    ) -> list[Item]:
        """Export mode: records go straight to the file; one summary item per input item.

        A stopped export keeps its partial file and a checkpoint; a run with ``resume``
        continues it from there into the same file an uninterrupted run writes.
        """
        path, params = self.path(node.get("streamTo")), node.get("parameters") or {}
        resolved = [
            expressions.resolve(params, self.context(items, i, parent)) for i in range(len(items))
        ]
        export = [node.get("resource"), node.get("operation"), node.get("streamFormat"), resolved]
        fingerprint = hashlib.sha256(json.dumps(export, sort_keys=True).encode()).hexdigest()

        def progress(done: int, total: int) -> None:
            if self.on_progress:
                self.on_progress(node.name, done, total)

        def summary(i: int, count: int, fmt: str) -> Item:
            return {
                "json": {"path": str(path), "format": fmt, "count": count},
                "pairedItem": {"item": i},
            }

        guard = not node.get("csvFormulas", False)
        exporting = outputs.resumable_stream(
            path, node.get("streamFormat"), fingerprint, resume=self.resume, formula_guard=guard
        )
        with exporting as (writer, state):
            try:
                for i in range(state.item, len(items)):
                    state.item = i
                    async for page in keitaro.stream(
                        node.get("resource"),
                        node.get("operation"),
                        resolved[i],
                        on_progress=progress,
                        start=state.offset,
                    ):
                        writer.write(
                            rec if isinstance(rec, dict) else {"value": rec} for rec in page
                        )
                        state.offset += len(page)
                    state.done.append(state.offset)
                    state.offset = 0
            except RequestError as exc:
                raise NodeFailed(node.name, state.item, exc.message, exc.description) from None
            except asyncio.CancelledError:
                done = [summary(i, n, writer.fmt) for i, n in enumerate(state.done)]
                raise Interrupted(
                    done, len(items), f"{node.name} (partial export kept: run again with --resume)"
                ) from None
        return [summary(i, n, writer.fmt) for i, n in enumerate(state.done)]

    def path(self, value: str) -> Path:
        """A path written in the workflow: relative ones start at the workflow file's folder
        (the current directory for a workflow given as text)."""
        base = self.workflow.source.parent if self.workflow.source else Path.cwd()
        return base / value

    def items_node(self, node: WorkflowNode) -> list[Item]:
        if node.get("file"):
            return outputs.read_items(
                self.path(node.get("file")),
                node.get("format"),
                parse_numbers=bool(node.get("parseNumbers")),
            )
        return [{"json": dict(obj), "pairedItem": {"item": 0}} for obj in node.get("items", [])]

    async def keitaro_node(
        self, node: WorkflowNode, items: list[Item], parent: str | None
    ) -> dict[str, list[Item]]:
        if self.credentials is None:
            raise WorkflowError(f"{self.workflow.source}: node {node.name!r}: no credentials")
        keitaro = KeitaroNode(self.credentials, rate_limit=node.get("rateLimit"), grace=self.grace)
        if node.get("streamTo"):
            return {"main": await self.stream_node(node, keitaro, items, parent)}
        on_error = node.get("onError", "stopWorkflow")
        params = node.get("parameters") or {}

        def parameters(_json: dict[str, JSON], index: int) -> Mapping[str, Any]:
            return expressions.resolve(params, self.context(items, index, parent))  # type: ignore[no-any-return]

        def progress(done: int, total: int) -> None:
            if self.on_progress:
                self.on_progress(node.name, done, total)

        async def attempt(indexes: list[int]) -> list[Item]:
            subset = [items[i] for i in indexes]
            out = await keitaro.execute(
                subset,
                resource=node.get("resource"),
                operation=node.get("operation"),
                parameters=lambda js, k: parameters(js, indexes[k]),
                continue_on_fail=True,
                concurrency=node.get("concurrency", 4),
                split=node.get("split", False),
                on_progress=progress,
            )
            for item in out:
                item["pairedItem"] = {"item": indexes[item["pairedItem"]["item"]]}
            return out

        results: dict[int, list[Item]] = {}
        pending = list(range(len(items)))
        tries = (
            min(max(node.get("maxTries", DEFAULT_TRIES), 2), 5) if node.get("retryOnFail") else 1
        )
        wait = min(max(node.get("waitBetweenTries", DEFAULT_WAIT_MS), 0), 5000) / 1000
        for attempt_no in range(tries):
            if attempt_no:
                await self._sleep(wait)
            for item in await attempt(pending):
                results.setdefault(item["pairedItem"]["item"], []).append(item)
            pending = [
                i for i in pending if any(o["json"].get("success") is False for o in results[i])
            ]
            if attempt_no + 1 < tries:
                for i in pending:
                    del results[i]
            if not pending:
                break
        ordered = [o for i in sorted(results) for o in results[i]]
        failed = [o for o in ordered if o["json"].get("success") is False]
        if failed and on_error == "stopWorkflow":
            error = failed[0]["json"]["error"]
            raise NodeFailed(
                node.name,
                failed[0]["pairedItem"]["item"],
                error["message"],
                error.get("description"),
            )
        self.failed += len(failed)
        if on_error == "continueErrorOutput":
            ok = [o for o in ordered if o["json"].get("success") is not False]
            return {"main": ok, "error": _merge_error_items(failed, items)}
        return {"main": ordered}


async def run_workflow(
    workflow: Workflow,
    *,
    credentials: Credentials | None = None,
    environ: Mapping[str, str] | None = None,
    on_progress: NodeProgress | None = None,
    env_files: Sequence[str | Path] = (),
    grace: float = DEFAULT_GRACE,
    resume: bool = False,
) -> RunResult:
    """Run a workflow: against ``credentials``, or the workflow's own (emulator or domain/key).

    ``env_files``: the .env files that ``environ`` was read from, named when credentials lack;
    ``grace``: seconds the requests in flight get to finish when the run is stopped;
    ``resume``: continue interrupted ``streamTo`` exports from their checkpoints.
    """
    from .emulator import Emulator  # the emulator is only needed for emulator workflows

    env = dict(os.environ if environ is None else environ)
    spec = workflow.credentials
    source = str(workflow.source or "<workflow>")
    needs_tracker = any(n.type == "keitaro" for n in workflow.nodes)
    if credentials is not None or not needs_tracker:
        return await Runner(
            workflow, credentials, environ=env, on_progress=on_progress, grace=grace, resume=resume
        ).run()
    if spec is None:
        if env.get("KEITARO_DOMAIN") and env.get("KEITARO_API_KEY"):
            return await run_workflow(
                workflow,
                credentials=Credentials.from_env(env),
                environ=env,
                on_progress=on_progress,
            )
        looked = ", ".join(map(str, env_files))
        raise WorkflowError(
            f"{source}: no credentials: add 'credentials:' to the workflow "
            "(emulator: {seed: demo}, or domain and apiKey), set KEITARO_DOMAIN "
            "and KEITARO_API_KEY, or run keitaro-node with --emulator or --credentials FILE"
            + (f" (.env files looked for: {looked})" if looked else "")
        )
    if "emulator" in spec:
        options = spec["emulator"]
        key = os.urandom(16).hex()
        async with Emulator(
            api_key=key,
            seed=options.get("seed", "demo"),
            clicks=options.get("clicks", 2000),
            faults=options.get("faults"),
            original_paths=options.get("originalPaths", False),
        ) as emu:
            creds = Credentials(emu.url, key, postback_key=emu.tracker.postback_key)
            return await Runner(
                workflow, creds, environ=env, on_progress=on_progress, grace=grace, resume=resume
            ).run()
    creds = resolve_credentials(spec, env, source)
    return await Runner(
        workflow, creds, environ=env, on_progress=on_progress, grace=grace, resume=resume
    ).run()
