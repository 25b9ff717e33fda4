"""Workflow documents: read YAML (or n8n-converted JSON) safely, check it against the schema
assembled from the node types, locate every problem (file, line, key), apply ``--set``
overrides."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml

from .. import credentials as credential_types
from .. import expressions
from ..core.definition import json_path, load_definition, schema_dir
from ..core.schemas import Check, compile_check, errors
from ..dotted import container
from ..errors import InputError, reason
from ..masking import is_sensitive_name
from ..model import Definition
from ..safe_yaml import WorkflowLoader, parse_yaml
from .graph import connections, cycle, inputs
from .model import MALFORMED, Workflow, WorkflowError, WorkflowNode, malformed
from .nodes import TABLE, Checker

WORKFLOW_SCHEMA = "workflow.schema.json"


class _Lines:
    """Maps a JSON path in a YAML document to its line, using the composed node tree, composed
    only when a problem needs a line (composing 100k pinned items takes half a minute)."""

    def __init__(self, text: str) -> None:
        self.text = text

    @cached_property
    def root(self) -> yaml.Node | None:
        try:
            return yaml.compose(self.text, Loader=WorkflowLoader)
        except yaml.YAMLError:
            return None

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
def schema() -> dict[str, Any]:
    """The workflow schema: the frame in node_schema/, each node type's fragment from its module."""
    frame: dict[str, Any] = json.loads((schema_dir() / WORKFLOW_SCHEMA).read_text(encoding="utf-8"))
    frame["$defs"] = {name: kind.schema() for name, kind in TABLE.items()}
    for branch in frame["properties"]["credentials"]["oneOf"]:  # beside either tracker
        branch["properties"].update({kind: _named(kind) for kind in credential_types.TYPES})
    frame["properties"]["nodes"]["items"] = {"oneOf": [{"$ref": f"#/$defs/{n}"} for n in TABLE]}
    return frame


@cache
def _valid() -> Check:
    """The workflow schema, compiled once: most workflows are valid, and say so fast."""
    return compile_check(schema())


def _endless(doc: Mapping[str, Any]) -> list[str] | None:
    """A cycle that passes through no node able to end a loop (a cycle through one is n8n's
    loop: the runner bounds it), or None."""
    ends = {n["name"] for n in doc["nodes"] if TABLE[n["type"]].loops}
    kept = {
        src: {kind: tuple(t for t in ts if t not in ends) for kind, ts in outs.items()}
        for src, outs in connections(doc).items()
        if src not in ends
    }
    return cycle([n["name"] for n in doc["nodes"] if n["name"] not in ends], kept)


def _named(kind: str) -> dict[str, Any]:
    """n8n credentials of one type by name; their secrets only as ${VAR} (a workflow file is
    shared, the environment is not)."""
    fields = credential_types.TYPES[kind]
    secret = {"type": "string", "pattern": r"^\$\{[A-Za-z_][A-Za-z0-9_]*\}$"}
    return {
        "description": f"n8n {kind} credentials by name (secrets as ${{VAR}}).",
        "type": "object",
        "additionalProperties": {
            "type": "object",
            "required": list(fields),
            "additionalProperties": {"type": "string"},
            "properties": {f: secret for f in fields if f in credential_types.SECRET_FIELDS},
        },
    }


def _where(source: str, lines: _Lines, path: Sequence[str | int]) -> str:
    line = lines.line(path)
    key = json_path(path)
    return f"{source}:{line}: {key}" if line else f"{source}: {key}"


def _untextual_key(value: Any, path: list[str | int]) -> list[str | int] | None:
    """Where a mapping has a key that is not text (YAML's ``? `` or ``1: x``), if anywhere."""
    stack = [(value, path)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, dict):
            for key, inner in current.items():
                if not isinstance(key, str):
                    return where
                stack.append((inner, [*where, key]))
        elif isinstance(current, list):
            stack.extend((inner, [*where, i]) for i, inner in enumerate(current))
    return None


def _schema_problems(doc: Any, source: str, lines: _Lines) -> list[str]:
    full = schema()
    try:
        if _valid()(doc):
            return []
    except ValueError:  # the validator refuses a key that is not text (YAML's ``?``, ``1:``)
        odd = _untextual_key(doc, [])
        if odd is not None:
            return [f"{_where(source, lines, odd)}: every key must be text"]
        raise
    problems = []
    for error in sorted(errors(full, doc), key=lambda e: list(map(str, e.path))):
        path = list(error.absolute_path)
        if error.validator == "oneOf" and path[:1] == ["nodes"] and len(path) == 2:
            node = error.instance
            kind = node.get("type") if isinstance(node, dict) else None
            if kind not in full["$defs"]:
                known = ", ".join(full["$defs"])
                problems.append(
                    f"{_where(source, lines, [*path, 'type'])}: unknown node type {kind!r}; "
                    f"known: {known}"
                )
                continue
            for sub in errors(full["$defs"][kind], node):
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
    if "emulator" in given and {"domain", "apiKey", "postbackKey"} & set(given):
        return f"'emulator' and a tracker's 'domain'/'apiKey' exclude each other: {usage}"
    branch = emulator if "emulator" in given else tracker
    for sub in errors(branch, given):
        where = ".".join(["credentials", *map(str, sub.absolute_path)])
        if sub.validator == "type":
            return f"{where} must be {sub.validator_value} (for example ${{KEITARO_API_KEY}})"
        return f"{where}: {sub.message}"
    return usage


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
        for target in (t.get("node") if isinstance(t, dict) else t for t in flat):
            if target not in seen:
                problems.append(
                    f"{_where(source, lines, ['connections', src])}: unknown node {target!r}"
                )
    if not problems and (loop := _endless(doc)):
        problems.append(
            f"{_where(source, lines, ['connections'])}: the connections form a cycle with no "
            "node that can end it (Loop Over Items, If, Switch, Filter): " + " -> ".join(loop)
        )
    for i, name in enumerate(doc.get("env") or []):
        if name in secret_names(doc):
            problems.append(
                f"{_where(source, lines, ['env', i])}: {name} holds a credential: it cannot be "
                "listed under env (the node gets credentials from the workflow's credentials)"
            )
    checker = Checker(definition)
    for i, node in enumerate(doc["nodes"]):
        here: list[str | int] = ["nodes", i]
        check = TABLE[node["type"]].check
        if check is not None:
            try:
                found = check(node, checker)
            except MALFORMED as exc:
                found = [([], malformed(exc))]
            for path, message in found:
                problems.append(f"{_where(source, lines, [*here, *path])}: {message}")
        for key, value in _strings(node):
            if expressions.is_expression(value):
                try:
                    expressions.check(value)
                except InputError as exc:
                    problems.append(f"{_where(source, lines, [*here, *key])}: {exc.message}")
    return problems


SECRET_ENV = ("KEITARO_API_KEY", "KEITARO_POSTBACK_KEY")
"""Environment variables that hold credentials wherever a workflow runs."""


def secret_names(doc: Mapping[str, Any]) -> set[str]:
    """SECRET_ENV and the variables the workflow's credentials name (``${VAR}``)."""
    named = re.findall(r"\$\{(\w+)\}", json.dumps(doc.get("credentials") or {}))
    return {*SECRET_ENV, *named}


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
        connections=connections(doc),
        inputs=inputs(doc),
        credentials=doc.get("credentials"),
        env=tuple(doc.get("env", ())),
        timezone=doc.get("settings", {}).get("timezone"),
        id=doc.get("id"),
        error_workflow=doc.get("settings", {}).get("errorWorkflow"),
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
        try:
            target = container(target, keys[:-1], replace=False)
        except TypeError as exc:
            raise WorkflowError(
                f"{source}: --set {dotted}: {exc.args[0]!r} is not a mapping"
            ) from None
        try:
            target[keys[-1]] = parse_yaml(raw) if raw else ""
        except yaml.YAMLError as exc:
            raise WorkflowError(f"--set {dotted}: not a valid value: {exc}") from None
    return doc
