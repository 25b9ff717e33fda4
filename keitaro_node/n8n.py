"""n8n interchange: run an n8n workflow JSON export, and export a YAML workflow to n8n JSON.

Supported n8n node types: those the node table (``workflows.nodes.TABLE``) maps (the triggers
among them: where executions start), plus Sticky Note (ignored). Credentials are references in
n8n files (``{id, name}``), never secrets; an imported workflow takes its credentials from the
command line or environment.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from .core.definition import load_definition
from .errors import reason
from .model import Definition
from .workflows import Workflow, WorkflowError, apply_overrides, check_document, from_document
from .workflows.model import MALFORMED, malformed
from .workflows.nodes import TABLE
from .workflows.paths import FILE_SETTINGS

TRIGGER = "n8n-nodes-base.manualTrigger"
STICKY_NOTE = "n8n-nodes-base.stickyNote"
IGNORED = (STICKY_NOTE,)
"""n8n node types that are not part of a run (comments on the canvas)."""
BY_N8N_TYPE = {t: kind for kind in TABLE.values() for t in kind.n8n_types}
TRIGGERS = tuple(t for t, kind in BY_N8N_TYPE.items() if kind.manual)
"""Where an execution starts (the node types that have no input)."""
SUPPORTED = (*IGNORED, *BY_N8N_TYPE)
SETTINGS = (
    "position",
    "onError",
    "retryOnFail",
    "maxTries",
    "waitBetweenTries",
    "executeOnce",
    "disabled",
    "alwaysOutputData",
    "webhookId",
)


# --------------------------------------------------------------------------- import


KEPT = "keitaroNode"
"""Key of an exported n8n node that keeps this project's YAML node, where n8n has no exact
counterpart (an output file, a streamed export): n8n ignores it, import reads it back."""


def _stand_in(raw: Mapping[str, Any]) -> bool:
    """A disabled node of a type this project lacks: n8n passes its input through, so does
    the No Operation node that stands in for it."""
    return bool(raw.get("disabled")) and raw.get("type") not in BY_N8N_TYPE and KEPT not in raw


def _node(raw: Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(raw.get(KEPT), dict):
        return {**raw[KEPT], "name": raw["name"]}
    if _stand_in(raw):
        notes = f"n8n's {raw.get('type')}, disabled: imported as a No Operation node"
        return {"name": raw["name"], "type": "noop", "disabled": True, "notes": notes}
    kind = BY_N8N_TYPE[raw["type"]]
    node: dict[str, Any] = {"name": raw["name"], "type": kind.name}
    node.update({k: raw[k] for k in SETTINGS if k in raw})
    if raw.get("continueOnFail") and "onError" not in raw:
        node["onError"] = "continueRegularOutput"
    assert kind.from_n8n is not None
    node.update(kind.from_n8n(raw))
    return node


def _hidden_files(raw_nodes: list[Any]) -> list[str]:
    """Warnings for the nodes whose kept YAML node reads or writes a file: n8n shows such a node
    as what its type is (No Operation), so whoever imports an export is told (its files stay
    inside the export's folder either way: workflows/paths.py)."""
    found = []
    for raw in raw_nodes:
        kept = raw.get(KEPT)
        setting = FILE_SETTINGS.get(str(kept.get("type"))) if isinstance(kept, dict) else None
        if setting and isinstance(kept.get(setting), str):
            verb = "reads" if kept["type"] == "items" else "writes"
            found.append(
                f"node {raw['name']!r} is n8n's {raw.get('type')} but here {verb} "
                f"{kept[setting]!r} (from its keitaroNode key, which n8n does not show)"
            )
    return found


def _triggers(raw_nodes: list[Any]) -> list[str]:
    """Where executions start: the triggers that are not disabled."""
    return [n["name"] for n in raw_nodes if n.get("type") in TRIGGERS and not n.get("disabled")]


def _type_of(raw_nodes: list[Any], name: str) -> Any:
    return next((n.get("type") for n in raw_nodes if n["name"] == name), None)


def _reached(raw_nodes: list[Any], connections: Mapping[str, Any]) -> set[str] | None:
    """The nodes an execution from one of the triggers reaches (None: no trigger, every node
    runs)."""
    starts = _triggers(raw_nodes)
    if not starts:
        return None
    reached, waiting = set(starts), list(starts)
    while waiting:
        for outputs in (connections.get(waiting.pop()) or {}).values():
            for targets in outputs or []:
                for target in targets or []:
                    name = target.get("node") if isinstance(target, dict) else None
                    if name and name not in reached:
                        reached.add(name)
                        waiting.append(name)
    return reached


def import_n8n(
    doc: Mapping[str, Any],
    source: str = "<n8n>",
    text: str = "",
    overrides: Mapping[str, str] | None = None,
) -> Workflow:
    """A Workflow from an n8n export; unsupported node types are listed in one error."""
    raw_nodes = doc.get("nodes")
    if not isinstance(raw_nodes, list) or not all(
        isinstance(n, dict) and "name" in n for n in raw_nodes
    ):
        raise WorkflowError(f"{source}: not an n8n workflow export (no 'nodes' list)")
    unsupported = [
        f"{n['name']!r} ({n.get('type')})"
        for n in raw_nodes
        if n.get("type") not in SUPPORTED and KEPT not in n and not _stand_in(n)
    ]
    if unsupported:
        raise WorkflowError(
            f"{source}: unsupported n8n node type(s): {', '.join(unsupported)}; "
            f"supported: {', '.join(SUPPORTED)}"
        )
    reached = _reached(raw_nodes, doc.get("connections") or {})
    strays = [n["name"] for n in raw_nodes if reached is not None and n["name"] not in reached]
    nodes, outputs = [], {}
    for raw in raw_nodes:
        if raw["type"] not in BY_N8N_TYPE and KEPT not in raw and not _stand_in(raw):
            continue
        if raw["name"] in strays:
            continue
        try:
            node = _node(raw)
            outputs[node["name"]] = TABLE[node["type"]].outputs(node)
        except MALFORMED as exc:
            raise WorkflowError(f"{source}: node {raw['name']!r}: {malformed(exc)}") from None
        nodes.append(node)
    started = ", ".join(repr(t) for t in _triggers(raw_nodes))
    if strays and all(TABLE[n["type"]].manual for n in nodes):
        raise WorkflowError(
            f"{source}: no node is connected to the trigger {started}: n8n runs nothing after "
            "it (is the export's 'connections' empty?)"
        )
    connections: dict[str, dict[str, list[Any]]] = {}
    for src, kinds in (doc.get("connections") or {}).items():
        if src not in outputs:
            continue
        for index, targets in enumerate((kinds or {}).get("main") or []):
            names = [
                t["node"] if not t.get("index") else {"node": t["node"], "input": t["index"]}
                for t in targets or []
                if t.get("node") in outputs
            ]
            if names and index < len(outputs[src]):
                kind = outputs[src][index]
                connections.setdefault(src, {}).setdefault(kind, []).extend(names)
    result: dict[str, Any] = {
        "name": doc.get("name") or "n8n workflow",
        "nodes": nodes,
        "connections": connections,
    }
    if isinstance(doc.get("id"), str | int) and str(doc["id"]):
        result["id"] = str(doc["id"])
    settings = doc.get("settings") or {}
    kept_settings = {k: str(settings[k]) for k in ("timezone", "errorWorkflow") if settings.get(k)}
    if kept_settings:
        result["settings"] = kept_settings
    if overrides:
        result = apply_overrides(result, overrides, source)
    try:
        check_document(result, source, text)
    except WorkflowError as exc:  # point at the export's own nodes (sticky notes are not kept)
        position = {raw["name"]: i for i, raw in enumerate(raw_nodes)}
        places = [position[n["name"]] for n in nodes]
        message = re.sub(
            r"\$\.nodes\[(\d+)\]", lambda m: f"$.nodes[{places[int(m.group(1))]}]", str(exc)
        )
        raise WorkflowError(message) from None
    workflow = from_document(result, Path(source) if source != "<n8n>" else None)
    pins = doc.get("pinData") or {}
    if isinstance(pins, dict):
        workflow = replace(
            workflow,
            pin_data={
                name: [{"json": i.get("json", {})} for i in items if isinstance(i, dict)]
                for name, items in pins.items()
                if name in outputs and isinstance(items, list)
            },
        )
    stray_notes = [
        f"node {name!r} is not connected to the trigger {started}: n8n does not run it, so it "
        "is left out"
        for name in strays
        if _type_of(raw_nodes, name) not in (*IGNORED, *TRIGGERS)
    ]
    workflow = replace(
        workflow, warnings=(*workflow.warnings, *_hidden_files(raw_nodes), *stray_notes)
    )
    order = (doc.get("settings") or {}).get("executionOrder")
    if order != "v1":
        written = f"is {order!r}" if order else "is not set (n8n's legacy order, 'v0')"
        note = (
            f"settings.executionOrder {written}: the workflow runs here in the v1 order of "
            "new n8n 1.x workflows (nodes with several inputs may run differently)"
        )
        workflow = replace(workflow, warnings=(*workflow.warnings, note))
    return workflow


def load_n8n(path: str | Path, overrides: Mapping[str, str] | None = None) -> Workflow:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, ValueError) as exc:
        raise WorkflowError(f"{path}: cannot read: {reason(exc)}") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise WorkflowError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    except (ValueError, RecursionError) as exc:  # too deep, or a number too long
        raise WorkflowError(f"{path}: not an n8n workflow: {exc}") from None
    if not isinstance(doc, dict):
        raise WorkflowError(f"{path}: not an n8n workflow export")
    return import_n8n(doc, str(path), text, overrides)


# --------------------------------------------------------------------------- export


def export_n8n(
    workflow: Workflow, definition: Definition | None = None, warnings: list[str] | None = None
) -> dict[str, Any]:
    """n8n workflow JSON that n8n can import (credentials as a reference only); what n8n
    cannot express is added to ``warnings``, naming the node and the setting."""
    definition = definition or load_definition()
    unsupported = [f"{n.name!r} ({n.type})" for n in workflow.nodes if TABLE[n.type].to_n8n is None]
    if unsupported:
        exportable = ", ".join(k.name for k in TABLE.values() if k.to_n8n is not None)
        raise WorkflowError(
            f"{workflow.source}: cannot export to n8n: node(s) {', '.join(unsupported)}; "
            f"exportable: {exportable}"
        )
    has_trigger = any(TABLE[n.type].manual for n in workflow.nodes)
    trigger = "When clicking ‘Execute workflow’"
    nodes: list[dict[str, Any]] = []
    if not has_trigger:  # n8n starts a run at a trigger
        nodes.append(
            {
                "parameters": {},
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{workflow.name}/{trigger}")),
                "name": trigger,
                "type": TRIGGER,
                "typeVersion": 1,
                "position": [0, 300],
            }
        )
    base = workflow.source.parent if workflow.source else Path.cwd()
    for i, node in enumerate(workflow.nodes, 1):
        if isinstance(node.get("file"), str):  # files are read now: from the workflow's folder
            node = replace(node, config={**node.config, "file": str(base / node.get("file"))})
        to_n8n = TABLE[node.type].to_n8n
        assert to_n8n is not None
        out: dict[str, Any] = {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{workflow.name}/{node.name}")),
            "name": node.name,
            "position": [240 * i, 300],
            **to_n8n(node, definition),
        }
        problems = TABLE[node.type].export_warnings(node)
        if problems:
            out[KEPT] = dict(node.config)
            if warnings is not None:
                warnings += [f"{node.name}: {p}" for p in problems]
        out.update({k: node.config[k] for k in SETTINGS if k in node.config})
        nodes.append(out)
    connections: dict[str, Any] = {}
    for node in workflow.nodes if not has_trigger else ():
        if not workflow.parents(node.name):
            connections.setdefault(trigger, {"main": [[]]})["main"][0].append(
                {"node": node.name, "type": "main", "index": 0}
            )
    for src, kinds in workflow.connections.items():
        node = workflow.node(src)
        names = TABLE[node.type].outputs(node.config)
        outs: list[list[dict[str, Any]]] = [[] for _ in names]
        for kind in kinds:
            outs[names.index(kind)] += [
                {"node": t, "type": "main", "index": slot}
                for t, slot in workflow.targets(src, kind)
            ]
        connections[src] = {"main": outs}
    return {
        **({"id": workflow.id} if workflow.id else {}),
        "name": workflow.name,
        "nodes": nodes,
        "connections": connections,
        "active": False,
        "settings": {
            "executionOrder": "v1",
            **({"timezone": workflow.timezone} if workflow.timezone else {}),
            **({"errorWorkflow": workflow.error_workflow} if workflow.error_workflow else {}),
        },
        "pinData": {},
        "meta": {"templateCredsSetupCompleted": False},
    }
