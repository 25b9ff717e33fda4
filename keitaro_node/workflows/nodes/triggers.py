"""The triggers: where an execution starts (n8n's Manual Trigger, Schedule Trigger, Cron,
Interval, Webhook and Error Trigger). A trigger has no input: the runner hands it the items of
the event that started the execution (``keitaro-node serve``: a schedule firing, a request, a
failed execution), or, in a run from the command line, those n8n's manual run makes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from ...model import Item
from ..model import WorkflowError, WorkflowNode
from .base import NodeType, Outputs, Run, n8n_native, passed

MANUAL = "n8n-nodes-base.manualTrigger"
START = "n8n-nodes-base.start"
SCHEDULE = "n8n-nodes-base.scheduleTrigger"
CRON = "n8n-nodes-base.cron"
INTERVAL = "n8n-nodes-base.interval"
WEBHOOK = "n8n-nodes-base.webhook"
ERROR = "n8n-nodes-base.errorTrigger"


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Outputs:
    return {"main": passed(items)}


def schedule_item(now: datetime, timezone: str) -> Item:
    """The item n8n's Schedule Trigger emits when it fires (moment's formats, in the zone)."""
    offset = now.strftime("%z")
    zone = f"{offset[:3]}:{offset[3:]}"
    hour = now.hour % 12 or 12
    clock = f"{hour}:{now:%M:%S} {'am' if now.hour < 12 else 'pm'}"
    return {
        "json": {
            "timestamp": f"{now:%Y-%m-%dT%H:%M:%S}.{now.microsecond // 1000:03d}{zone}",
            "Readable date": f"{now:%B} {_ordinal(now.day)} {now:%Y}, {clock}",
            "Readable time": clock,
            "Day of week": f"{now:%A}",
            "Year": f"{now:%Y}",
            "Month": f"{now:%B}",
            "Day of month": f"{now:%d}",
            "Hour": f"{now:%H}",
            "Minute": f"{now:%M}",
            "Second": f"{now:%S}",
            "Timezone": f"{timezone} (UTC{zone})",
        }
    }


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _empty(node: WorkflowNode, ctx: Run) -> list[Item]:
    return [{"json": {}}]


def _scheduled(node: WorkflowNode, ctx: Run) -> list[Item]:
    return [schedule_item(ctx.context([], 0, None).now, ctx.timezone)]


def _webhook(node: WorkflowNode, ctx: Run) -> list[Item]:
    params = node.get("parameters") or {}
    method = params.get("httpMethod") or "GET"
    raise WorkflowError(
        f"{ctx.source or '<workflow>'}: the run starts at the Webhook {node.name!r}, which runs "
        f"when it is called: serve the workflow (keitaro-node serve FILE) and send "
        f"{method if isinstance(method, str) else method[0]} /webhook/{params.get('path', '')}, "
        "or pin the node's data in n8n (an export's pinData is its request)"
    )


def _example_error(node: WorkflowNode, ctx: Run) -> list[Item]:
    """n8n's Error Trigger in a manual run: its example of a failed execution."""
    execution = {
        "id": 231,
        "url": "http://localhost:5678/execution/workflow/1/231",
        "retryOf": "34",
        "error": {"message": "Example Error Message", "stack": "Stacktrace"},
        "lastNodeExecuted": "Node With Error",
        "mode": "manual",
    }
    return [{"json": {"execution": execution, "workflow": {"id": "1", "name": "Example Workflow"}}}]


def _methods(node: Mapping[str, Any]) -> tuple[str, ...]:
    """A Webhook for several methods has an output per method, named after it."""
    params = node.get("parameters") or {}
    given = params.get("httpMethod")
    if params.get("multipleMethods") and isinstance(given, list) and len(given) > 1:
        return tuple(str(m).upper() for m in given)
    return ("main",)


def _trigger(
    name: str,
    n8n_type: str,
    version: float,
    description: str,
    manual: Callable[..., list[Item]],
    **extra: Any,
) -> NodeType:
    return NodeType(
        name=name,
        description=description,
        run=run,
        manual=manual,
        **n8n_native(n8n_type, version, credentials="Credentials by n8n type (webhook auth)."),
        **extra,
    )


NODES = (
    _trigger(
        "manualTrigger", MANUAL, 1, "Where a manual run starts (n8n's Manual Trigger).", _empty
    ),
    _trigger("start", START, 1, "Where a run starts (the Start node of older n8n).", _empty),
    _trigger(
        "scheduleTrigger",
        SCHEDULE,
        1.2,
        "Starts the workflow on a schedule under keitaro-node serve (n8n's Schedule Trigger: "
        "rule.interval of seconds, minutes, hours, days, weeks, months or cronExpression).",
        _scheduled,
    ),
    _trigger(
        "cron",
        CRON,
        1,
        "Starts the workflow at the times given under keitaro-node serve (n8n's older Cron node).",
        _empty,
    ),
    _trigger(
        "interval",
        INTERVAL,
        1,
        "Starts the workflow every interval under keitaro-node serve (n8n's Interval node).",
        _empty,
    ),
    _trigger(
        "webhook",
        WEBHOOK,
        2,
        "Starts the workflow when /webhook/<path> is called under keitaro-node serve (n8n's "
        "Webhook: httpMethod, path, authentication, responseMode, responseData, options; with "
        "multipleMethods, an output per method).",
        _webhook,
        output_names=_methods,
    ),
    _trigger(
        "errorTrigger",
        ERROR,
        1,
        "Starts this workflow when another one that names it as its errorWorkflow fails "
        "(n8n's Error Trigger).",
        _example_error,
    ),
)
