"""``keitaro-node check``: what a tracker offers to these credentials, by safe reads only.

Reachable or not; the Admin API or an HTML page (wrong domain or path); the key valid; its kind
(admin, or a user key: 403 on ``GET /users``); and which of the definition's read operations
answer. Nothing here ever writes to the tracker.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .core.policy import RetryPolicy
from .model import Credentials, Definition, Operation
from .node import KeitaroNode
from .options import DEFAULT_CONCURRENCY

KEY_PROBE = ("group", "getAll")
"""``GET /groups?type=campaigns``: the cheapest read every key may make."""

POST_READS: Mapping[str, Mapping[str, Any]] = {
    "click:getAll": {"clickFilters": {"interval": "today", "limit": 1}},
    "conversion:getAll": {"conversionFilters": {"interval": "today", "limit": 1}},
    "stats:getAll": {"statsData": {"range": {"interval": "today"}, "measures": ["clicks"]}},
    "log:getTypes": {},
}
"""Reads sent with POST (reports and logs), with the smallest parameters they accept."""


def safe_reads(definition: Definition) -> dict[str, Mapping[str, Any]]:
    """The read operations ``check`` may send, with their parameters: official GETs that need
    no ID (every required parameter has a default), and the POST reads above."""
    reads: dict[str, Mapping[str, Any]] = {}
    for op in definition.operations():
        if op.key in POST_READS:
            reads[op.key] = POST_READS[op.key]
        elif _plain_get(op):
            reads[op.key] = {}
    return reads


def _plain_get(op: Operation) -> bool:
    needs = [p for p in op.properties if p.required and p.default is None]
    return op.official and op.method == "GET" and op.endpoint == "admin" and not needs


@dataclass
class Probe:
    operation: str
    request: str
    ok: bool
    status: str
    """"ok", an HTTP code, or what went wrong."""
    detail: str = ""


@dataclass
class Report:
    tracker: str
    reachable: bool = False
    admin_api: bool = False
    key_valid: bool = False
    key_kind: str = "unknown"
    problem: str = ""
    hint: str = ""
    probes: list[Probe] = field(default_factory=list)
    postback_key: bool = False
    seconds: float = 0.0

    @property
    def usable(self) -> bool:
        """The tracker answers with a valid key: ``check`` exits 0."""
        return self.reachable and self.admin_api and self.key_valid

    def as_dict(self) -> dict[str, Any]:
        return {
            "tracker": self.tracker,
            "reachable": self.reachable,
            "adminApi": self.admin_api,
            "keyValid": self.key_valid,
            "keyKind": self.key_kind,
            "problem": self.problem or None,
            "hint": self.hint or None,
            "postbackKey": self.postback_key,
            "reads": [p.__dict__ for p in self.probes],
            "seconds": round(self.seconds, 3),
        }

    def text(self) -> str:
        yes = {True: "yes", False: "no"}
        lines = [
            f"tracker: {self.tracker}",
            f"  reachable: {yes[self.reachable]}",
            f"  Admin API: {yes[self.admin_api]}" if self.reachable else "",
            f"  API key valid: {yes[self.key_valid]}" if self.admin_api else "",
            f"  key kind: {self.key_kind}" if self.key_valid else "",
        ]
        if self.problem:
            lines.append(f"  problem: {self.problem}")
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        if self.probes:
            answered = sum(p.ok for p in self.probes)
            lines.append(f"read operations: {answered} of {len(self.probes)} answer (reads only)")
            for p in self.probes:
                lines.append(f"  {p.status:<6} {p.operation:<28} {p.request}  {p.detail}".rstrip())
        if self.usable:
            lines.append(
                "postback key: "
                + (
                    "set"
                    if self.postback_key
                    else "not set (conversion create/update and postback "
                    "test send the S2S postback URL and need it)"
                )
            )
        return "\n".join(line for line in lines if line)


async def check(
    credentials: Credentials,
    *,
    definition: Definition | None = None,
    retry: RetryPolicy | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> Report:
    """Probe the tracker with safe reads; never raises for what the tracker answers."""
    started = time.monotonic()
    node = KeitaroNode(credentials, definition=definition, retry=retry)
    report = Report(credentials.root_url, postback_key=bool(credentials.postback_key))
    first = await _probe(node, *KEY_PROBE, {})
    _classify(report, first)
    if report.usable:
        users = await _probe(node, "user", "getAll", {})
        report.key_kind = (
            "admin" if users.ok else "user (403 on GET /users)" if users.status == "403" else "?"
        )
        reads = safe_reads(node.definition)
        limit = asyncio.Semaphore(concurrency)

        async def bounded(key: str, params: Mapping[str, Any]) -> Probe:
            async with limit:
                resource, operation = key.split(":")
                return await _probe(node, resource, operation, params)

        report.probes = list(await asyncio.gather(*(bounded(k, p) for k, p in reads.items())))
    report.seconds = time.monotonic() - started
    return report


async def _probe(
    node: KeitaroNode, resource: str, operation: str, params: Mapping[str, Any]
) -> Probe:
    op = node.definition.operation(resource, operation)
    out = await node.execute(
        resource=resource, operation=operation, parameters=params, continue_on_fail=True
    )
    js = out[0]["json"]
    request = f"{op.method} {js['request']['url']}"
    if js["success"]:
        count = js.get("count")
        detail = f"({count} record{'' if count == 1 else 's'})" if count is not None else ""
        return Probe(op.key, request, True, "ok", detail)
    error = js["error"]
    status = error.get("httpCode") or "error"
    detail = "; ".join(filter(None, (error.get("message"), error.get("description"))))
    return Probe(op.key, request, False, status, detail)


def _classify(report: Report, first: Probe) -> None:
    """Reachable? The Admin API? A valid key? From the first probe's outcome."""
    message = first.detail
    if first.ok:
        report.reachable = report.admin_api = report.key_valid = True
        return
    if first.status == "error" and not _answered(message):
        report.problem = f"unreachable: {message}"
        report.hint = "check the domain (the admin panel's address) and the network"
        return
    report.reachable = True
    if "HTML" in message:
        report.problem = (
            f"the address answers with an HTML page, not the Admin API ({first.status})"
        )
        report.hint = "use the host on which the admin panel opens; the node adds /admin_api/v1"
        return
    report.admin_api = first.status not in ("404", "error")
    if first.status == "401":
        report.problem = "the tracker refused the API key (401)"
        report.hint = "create a key in Maintenance → Users → (user) → Admin API keys"
    elif first.status == "402":
        report.problem = "this tracker's edition has no Admin API (402)"
    else:
        report.problem = f"{first.status}: {message}"
        report.hint = "the address answers, but not as the Admin API: use the admin panel's host"


def _answered(message: str) -> bool:
    """True when a failure came with an answer (a body we could not use), not no answer."""
    return "not valid JSON" in message or "empty body" in message
