"""What ``describe`` prints: the operation table, one operation in full, JSON, and the README's
Markdown tables (the operations, and the original node's 72 actions)."""

from __future__ import annotations

import json
from typing import Any

from ..model import Definition, Operation


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
    from ..check import safe_reads

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
