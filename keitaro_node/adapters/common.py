"""What every adapter shares: run one operation over items, say when items failed, and turn a
workflow's time trigger into an engine's schedule."""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any, Unpack

from ..errors import InputError, KeitaroNodeError
from ..model import Credentials, Item
from ..node import KeitaroNode
from ..options import ParameterSource, RunOptions
from ..outcomes import failures, items_of, raise_first_failure
from ..outputs import write_items
from ..workflows import Workflow


class ItemsFailed(KeitaroNodeError):
    """Raised by an adapter asked to fail when any item failed; ``items`` holds them all."""

    def __init__(self, failed: int, items: list[Item]) -> None:
        super().__init__(f"{failed} of {len(items)} items failed")
        self.failed = failed
        self.items = items


def require(module: str, extra: str) -> ModuleType:
    """Import a workflow engine, or explain which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"this adapter needs {extra.capitalize()}: pip install 'keitaro-node[{extra}]'"
        ) from exc


async def run_operation(
    credentials: Credentials,
    resource: str,
    operation: str,
    items: Sequence[Item] | None = None,
    parameters: ParameterSource | None = None,
    *,
    fail_on_item_error: bool = False,
    **options: Unpack[RunOptions],
) -> list[Item]:
    """One operation over the items, continuing on failed items unless told otherwise; raises
    ItemsFailed if asked and any item failed."""
    options.setdefault("continue_on_fail", True)
    outcomes = await KeitaroNode(credentials).outcomes(
        items, resource=resource, operation=operation, parameters=parameters, **options
    )
    if not options["continue_on_fail"]:
        raise_first_failure(outcomes, resource, operation)
    out = items_of(outcomes)
    failed = len(failures(outcomes))
    if failed and fail_on_item_error:
        raise ItemsFailed(failed, out)
    return out


def to_file(items: list[Item], path: str) -> dict[str, Any]:
    """Write items (atomically) and return a small summary, for results too big to pass around."""
    return {"path": path, "count": write_items(items, path)}


def plain_items(items: Sequence[Mapping[str, Any]] | None) -> list[Item] | None:
    """Accept n8n items or bare JSON objects (wrapped as ``{"json": obj}``)."""
    if items is None:
        return None
    return [dict(i) if "json" in i else {"json": dict(i)} for i in items]  # type: ignore[misc]


# ---------------------------------------------------------------- scheduled workflows


@dataclass(frozen=True)
class EngineSchedule:
    """A workflow's time trigger as an engine takes it: a five-field cron expression or an
    interval, in the workflow's zone; ``notes``: where the engine fires otherwise than n8n."""

    trigger: str
    cron: str | None
    every: timedelta | None
    timezone: str
    notes: tuple[str, ...] = ()


def load_any(path: str | Path) -> Workflow:
    """A workflow file: YAML, or an n8n JSON export."""
    from ..n8n import load_n8n
    from ..workflows import load_workflow

    return load_n8n(path) if str(path).lower().endswith(".json") else load_workflow(path)


def engine_schedule(workflow: Workflow) -> EngineSchedule:
    """The schedule of the workflow's one time trigger (Schedule Trigger with one rule, Cron
    with one time, or Interval). n8n's cron expressions have seconds; engines' do not: the
    second is dropped (the engine fires at second 0), a seconds interval becomes an interval,
    and every n-th day or week is approximated (said in ``notes``)."""
    from ..expressions import default_timezone
    from ..serve.schedules import rules
    from ..serve.service import TIME_TRIGGERS

    timed = [n for n in workflow.nodes if n.type in TIME_TRIGGERS and not n.get("disabled")]
    found = [(n, r) for n in timed for r in rules(n, f"{workflow.id or workflow.name}:{n.name}")]
    if len(found) != 1:
        raise InputError(
            f"{workflow.source or workflow.name}: an engine takes one schedule; the workflow has "
            f"{len(found)} (" + ", ".join(f"{n.name} rule {r.index}" for n, r in found) + ")"
        )
    node, rule = found[0]
    zone = workflow.timezone or default_timezone()
    if rule.every is not None:
        return EngineSchedule(node.name, None, timedelta(seconds=rule.every), zone)
    assert rule.cron is not None
    fields = rule.cron.split()
    if len(fields) == 5:
        return EngineSchedule(node.name, rule.cron, None, zone)
    second, minute, hour, day, month, weekday = fields
    if second.startswith("*/") and fields[1:] == ["*"] * 5:
        return EngineSchedule(node.name, None, timedelta(seconds=int(second[2:])), zone)
    notes = [] if second in ("0", "*") else [f"fires at second 0, not {second}"]
    if rule.recurrence and rule.recurrence[0] == "days":
        day = f"*/{rule.recurrence[1]}"
        notes.append("every n-th day of the month, where n8n counts days of the year")
    if rule.recurrence and rule.recurrence[0] == "weeks":
        notes.append(f"every week, where n8n fires every {rule.recurrence[1]} weeks")
    cron = " ".join([minute, hour, day, month, weekday])
    return EngineSchedule(node.name, cron, None, zone, tuple(notes))


async def run_scheduled(workflow: Workflow, *, fail_on_item_error: bool = False) -> list[Item]:
    """One scheduled execution, as ``serve`` makes it: from the time trigger, with its item (on
    the embedded emulator when the workflow names it)."""
    from zoneinfo import ZoneInfo

    from ..embedded import run_workflow
    from ..workflows.model import Start
    from ..workflows.nodes.triggers import schedule_item

    schedule = engine_schedule(workflow)
    node = workflow.node(schedule.trigger)
    now = datetime.now(ZoneInfo(schedule.timezone))
    items = (
        [schedule_item(now, schedule.timezone)]
        if node.type == "scheduleTrigger"
        else [{"json": {}}]
    )
    result = await run_workflow(workflow, start=Start(node.name, items), mode="trigger")
    if result.failed and fail_on_item_error:
        raise ItemsFailed(result.failed, result.items)
    return result.items
