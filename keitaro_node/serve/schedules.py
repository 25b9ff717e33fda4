"""When the time triggers fire, as n8n 1.95 computes it: the Schedule Trigger's rules and the
Cron node's trigger times become cron expressions with seconds (n8n's ``toCronExpression``),
read by croniter in the workflow's time zone; an interval of more than one hour, day, week or
month fires on the cron expression and then n8n's ``recurrenceCheck`` lets every n-th through
(its state kept in the trigger's static data, as n8n keeps it); the Interval node repeats.

The second (and minute, hour, day) n8n leaves open is drawn at random in n8n; here it is
derived from the workflow and the node (as newer n8n does), so a schedule is stable across
restarts."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from croniter import croniter

from ..errors import InputError
from ..workflows.model import WorkflowNode


@dataclass(frozen=True)
class Rule:
    """One way a trigger fires: a cron expression (seconds first), or every ``every``
    seconds; ``recurrence``: (unit, n) when only every n-th firing counts."""

    index: int
    cron: str | None = None
    every: float | None = None
    recurrence: tuple[str, int] | None = None

    def next_after(self, moment: datetime) -> datetime:
        if self.every is not None:
            return moment + timedelta(seconds=self.every)
        assert self.cron is not None
        found: datetime = croniter(self.cron, moment, second_at_beginning=True).get_next(datetime)
        return found


def _stable(seed: str, label: str, low: int, high: int) -> int:
    digest = hashlib.sha256(f"{seed}:{label}".encode()).digest()
    return low + int.from_bytes(digest[:4], "big") % (high - low)


def _schedule_rule(index: int, interval: Mapping[str, Any], seed: str) -> Rule:
    """n8n's ScheduleTrigger: toCronExpression and intervalToRecurrence, defaults filled."""
    field = interval.get("field", "days")
    if field == "cronExpression":
        return Rule(index, cron=str(interval.get("expression", "")).strip())
    if field == "seconds":
        return Rule(index, cron=f"*/{interval.get('secondsInterval', 30)} * * * * *")
    second = _stable(seed, "second", 0, 60)
    if field == "minutes":
        return Rule(index, cron=f"{second} */{interval.get('minutesInterval', 5)} * * * *")
    minute = interval.get("triggerAtMinute", 0)
    size = int(interval.get(f"{field}Interval", 1))
    recurrence = (field, size) if size != 1 else None
    if field == "hours":
        return Rule(index, cron=f"{second} {minute} */{size} * * *", recurrence=recurrence)
    hour = interval.get("triggerAtHour", 0)
    if field == "days":
        return Rule(index, cron=f"{second} {minute} {hour} * * *", recurrence=recurrence)
    if field == "weeks":
        days = interval.get("triggerAtDay", [0])
        on = ",".join(str(d) for d in days) if days else "*"
        return Rule(index, cron=f"{second} {minute} {hour} * * {on}", recurrence=recurrence)
    if field == "months":
        day = interval.get("triggerAtDayOfMonth", 1)
        return Rule(index, cron=f"{second} {minute} {hour} {day} */{size} *", recurrence=recurrence)
    raise ValueError(f"unknown rule field {field!r}")


_CRON_DEFAULTS = {
    "mode": "everyDay",
    "hour": 14,
    "minute": 0,
    "dayOfMonth": 1,
    "weekday": "1",
    "cronExpression": "* * * * * *",
    "value": 2,
    "unit": "hours",
}


def _cron_rule(index: int, item: Mapping[str, Any], seed: str) -> Rule:
    """n8n's Cron node: n8n-workflow's toCronExpression of one trigger time."""
    given = {**_CRON_DEFAULTS, **item}
    second, mode = _stable(seed, f"second{index}", 0, 60), given["mode"]
    hour, minute = given["hour"], given["minute"]
    if mode == "everyMinute":
        cron = f"{second} * * * * *"
    elif mode == "everyHour":
        cron = f"{second} {minute} * * * *"
    elif mode == "everyX" and given["unit"] == "minutes":
        cron = f"{second} */{given['value']} * * * *"
    elif mode == "everyX":
        cron = f"{second} {_stable(seed, f'minute{index}', 0, 60)} */{given['value']} * * *"
    elif mode == "everyDay":
        cron = f"{second} {minute} {hour} * * *"
    elif mode == "everyWeek":
        cron = f"{second} {minute} {hour} * * {given['weekday']}"
    elif mode == "everyMonth":
        cron = f"{second} {minute} {hour} {given['dayOfMonth']} * *"
    else:
        cron = str(given["cronExpression"]).strip()
    return Rule(index, cron=cron)


def rules(node: WorkflowNode, seed: str) -> list[Rule]:
    """How a time trigger fires; InputError for an expression n8n would refuse."""
    params = node.get("parameters") or {}
    if node.type == "interval":
        seconds = float(params.get("interval", 1)) * {"minutes": 60, "hours": 3600}.get(
            params.get("unit", "seconds"), 1
        )
        if seconds <= 0:
            raise InputError("The interval has to be set to at least 1 or higher!")
        return [Rule(0, every=seconds)]
    if node.type == "cron":
        items = (params.get("triggerTimes") or {}).get("item") or []
        found = [_cron_rule(i, item, seed) for i, item in enumerate(items)]
    else:
        intervals = (params.get("rule") or {}).get("interval") or [{}]
        found = [_schedule_rule(i, interval, seed) for i, interval in enumerate(intervals)]
    for rule in found:
        if rule.cron is not None and not _valid(rule.cron):
            raise InputError(
                f"Invalid cron expression {rule.cron!r} (more information on how to build them "
                "at https://crontab.guru/)"
            )
    return found


def _valid(cron: str) -> bool:
    try:
        return bool(croniter.is_valid(cron, second_at_beginning=True))
    except (TypeError, ValueError):
        return False


def recurs(rule: Rule, state: MutableMapping[str, Any], moment: datetime) -> bool:
    """n8n's recurrenceCheck: whether this firing counts (every n-th hour, day of the year,
    week or month since the last that did); ``state`` is the trigger's static data."""
    if rule.recurrence is None:
        return True
    unit, size = rule.recurrence
    last_runs: list[Any] = state.setdefault("recurrenceRules", [])
    while len(last_runs) <= rule.index:
        last_runs.append(None)
    last = last_runs[rule.index]
    if unit == "hours":
        now, period = moment.hour, 24
    elif unit == "days":
        now, period = moment.timetuple().tm_yday, 365
    elif unit == "weeks":
        now, period = _week(moment), 52
    else:
        now, period = moment.month - 1, 12
    if last is None or now == (size + last) % period or (unit == "weeks" and now == last):
        last_runs[rule.index] = now
        return True
    return False


def _week(moment: datetime) -> int:
    """moment's week in its default (en) locale: weeks start on Sunday, and a week is of the
    year its Saturday is in (the week with January 1st is week 1)."""
    saturday = moment.date() + timedelta(days=5 - moment.weekday() if moment.weekday() != 6 else 6)
    new_year = saturday.replace(month=1, day=1)
    first_saturday = new_year + timedelta(days=(5 - new_year.weekday()) % 7)
    return (saturday - first_saturday).days // 7 + 1
