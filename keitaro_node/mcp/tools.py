"""The definition's operations as tools an AI agent can call, with no code per operation.

One tool per official operation: ``<resource>_<operation>`` (``campaign_getAll``), described by
its Russian and English names and notes, taking the operation's parameters as its input schema,
and marked read-only, destructive or idempotent. Only reads unless writes are allowed; never an
unofficial operation (a tracker answers those with its panel page). A call goes through
``KeitaroNode``, so retries only where safe, reconciled creates and "may have been applied" hold
for agents as for workflows. Reads that page are bounded unless the agent asks for everything.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..model import JSON, Definition, Operation
from ..node import KeitaroNode
from ..outcomes import Failure, items_of

DEFAULT_LIMIT = 100
"""Records a paged read returns when the agent gives neither ``limit`` nor ``returnAll``."""

POST_READS = frozenset({"/clicks/log", "/conversions/log", "/report/build", "/logs/types"})
"""The Admin API's reads that are sent with POST (reports and logs)."""


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    title: str
    description: str
    input_schema: Mapping[str, JSON]
    read_only: bool
    destructive: bool
    idempotent: bool
    operation: Operation


@dataclass(frozen=True, slots=True)
class ToolResult:
    """What a call gave: the records (each output item's ``json``), or the error's message."""

    records: list[JSON]
    error: str | None = None

    def structured(self) -> dict[str, JSON]:
        if self.error is not None:
            return {"error": self.error}
        return {"records": self.records, "count": len(self.records)}


def is_read(op: Operation) -> bool:
    """Whether the operation only reads: a GET of the Admin API, or one of its POST reads."""
    if op.endpoint != "admin":
        return False  # the postback URL records conversions, even with GET
    return op.method == "GET" or op.path in POST_READS


def _destructive(op: Operation) -> bool:
    return op.method == "DELETE" or op.value in ("delete", "clean", "clear")


def _limit_home(op: Operation) -> tuple[str, ...] | None:
    """Where the operation's ``limit`` lives: () at the top, (property,) inside an object."""
    if op.paging is None:
        return None
    top = op.params_schema.get("properties", {})
    assert isinstance(top, Mapping)
    if "limit" in top:
        return ()
    for name, schema in top.items():
        if isinstance(schema, Mapping) and "limit" in schema.get("properties", {}):
            return (name,)
    return None


def tools(definition: Definition, *, allow_writes: bool = False) -> list[Tool]:
    """The tools of every official operation: reads, and writes too when allowed."""
    out = []
    for op in definition.operations():
        read = is_read(op)
        if not op.official or not (read or allow_writes):
            continue
        res = definition.resources[op.resource]
        schema: dict[str, Any] = copy.deepcopy(dict(op.params_schema))
        notes = [f"Keitaro Admin API: {' then '.join(f'{m} {p}' for m, p in op.requests())}."]
        notes += [text for text in (op.description, op.note) if text]
        home = _limit_home(op)
        if home is not None:
            where = "limit" if not home else f"{home[0]}.limit"
            notes.append(
                f"Returns at most {DEFAULT_LIMIT} records unless {where} says otherwise; "
                "returnAll: true pages through everything (can be very large)."
            )
        if not read:
            notes.append(
                "Writes to the tracker. A failed write that may have been applied is reported "
                "as such and never sent again."
            )
        out.append(
            Tool(
                name=f"{op.resource}_{op.value}",
                title=f"{res.display_name_en}: {op.display_name_en}",
                description=f"{res.display_name}: {op.display_name} "
                f"({res.display_name_en}: {op.display_name_en}). " + " ".join(notes),
                input_schema=schema,
                read_only=read,
                destructive=_destructive(op),
                idempotent=op.idempotent,
                operation=op,
            )
        )
    return out


def bounded(tool: Tool, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments with the default ``limit`` of a paged read, where the agent gave none."""
    params = dict(arguments)
    home = _limit_home(tool.operation)
    if home is None or params.get("returnAll"):
        return params
    if not home:
        params.setdefault("limit", DEFAULT_LIMIT)
        return params
    inner = params.get(home[0])
    if isinstance(inner, Mapping) and "limit" not in inner:
        params[home[0]] = {**inner, "limit": DEFAULT_LIMIT}
    return params


async def call(node: KeitaroNode, tool: Tool, arguments: Mapping[str, Any]) -> ToolResult:
    """Run the tool's operation once with these arguments (literal values: no expressions)."""
    op = tool.operation
    outcomes = await node.outcomes(
        [{"json": {}}],
        resource=op.resource,
        operation=op.value,
        parameters=bounded(tool, arguments),
        split=True,
    )
    failed = next((o for o in outcomes if isinstance(o, Failure)), None)
    if failed is not None:
        message = failed.error.message
        if failed.maybe_applied:
            message += " (the request reached the tracker and may have been applied)"
        return ToolResult([], message)
    return ToolResult([item["json"] for item in items_of(outcomes)])
