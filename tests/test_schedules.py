"""When time triggers fire: n8n 1.95's cron expressions for each Schedule Trigger rule and Cron
trigger time, croniter's next times in the workflow's zone, and n8n's recurrence check."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from keitaro_node.errors import InputError
from keitaro_node.serve.schedules import Rule, recurs, rules
from keitaro_node.workflows.model import WorkflowNode
from keitaro_node.workflows.nodes.triggers import schedule_item

BERLIN = ZoneInfo("Europe/Berlin")


def schedule(*intervals: dict[str, Any]) -> WorkflowNode:
    params = {"rule": {"interval": list(intervals)}}
    return WorkflowNode("Schedule", "scheduleTrigger", {"parameters": params})


def crons(node: WorkflowNode) -> list[str | None]:
    return [r.cron for r in rules(node, "wf:Schedule")]


def test_each_rule_kind_becomes_n8ns_cron_expression() -> None:
    second = int(crons(schedule({"field": "minutes"}))[0].split()[0])  # type: ignore[union-attr]
    assert 0 <= second < 60
    assert crons(schedule({"field": "seconds", "secondsInterval": 5})) == ["*/5 * * * * *"]
    assert crons(schedule({"field": "minutes", "minutesInterval": 15})) == [
        f"{second} */15 * * * *"
    ]
    assert crons(schedule({"field": "hours", "hoursInterval": 2, "triggerAtMinute": 30})) == [
        f"{second} 30 */2 * * *"
    ]
    assert crons(schedule({})) == [f"{second} 0 0 * * *"]  # n8n's default: every day at midnight
    weekly = {"field": "weeks", "triggerAtDay": [1, 5], "triggerAtHour": 9}
    assert crons(schedule(weekly)) == [f"{second} 0 9 * * 1,5"]
    monthly = {"field": "months", "monthsInterval": 3, "triggerAtDayOfMonth": 15}
    assert crons(schedule(monthly)) == [f"{second} 0 0 15 */3 *"]
    assert crons(schedule({"field": "cronExpression", "expression": "0 15 * * 1"})) == [
        "0 15 * * 1"
    ]
    assert crons(schedule({"field": "seconds"}, {"field": "minutes"}))[0] == "*/30 * * * * *"


def test_the_open_second_is_stable_per_workflow_and_node() -> None:
    node = schedule({"field": "minutes"})
    assert rules(node, "a:Schedule") == rules(node, "a:Schedule")
    seconds = {rules(node, f"wf{i}:Schedule")[0].cron for i in range(20)}
    assert len(seconds) > 5  # spread, as n8n's random second spreads load


def test_next_times_in_the_workflows_zone_across_a_dst_change() -> None:
    daily = rules(schedule({"field": "days", "triggerAtHour": 2, "triggerAtMinute": 30}), "x")[0]
    assert daily.cron is not None
    before = datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN)
    first = daily.next_after(before)  # 02:30 does not exist that night: croniter fires at 03:00
    assert (first.day, first.hour, first.minute) == (29, 3, 0)
    after = daily.next_after(first)
    assert (after.day, after.hour, after.minute, after.utcoffset()) == (
        30,
        2,
        30,
        timedelta(hours=2),
    )
    every = Rule(0, cron="*/1 * * * * *")
    moment = datetime(2026, 12, 2, 10, 0, 0, tzinfo=BERLIN)
    assert (every.next_after(moment) - moment).total_seconds() == 1


def test_every_nth_hour_day_week_month_passes_the_recurrence_check() -> None:
    rule = rules(schedule({"field": "hours", "hoursInterval": 3}), "x")[0]
    assert rule.recurrence == ("hours", 3)
    state: dict[str, Any] = {}
    fired = [h for h in range(24) if recurs(rule, state, datetime(2026, 1, 1, h, tzinfo=BERLIN))]
    assert fired == [0, 3, 6, 9, 12, 15, 18, 21]
    assert state == {"recurrenceRules": [21]}  # n8n's static data of the trigger node
    assert rules(schedule({"field": "hours", "hoursInterval": 1}), "x")[0].recurrence is None


def test_cron_and_interval_nodes() -> None:
    items = [
        {"mode": "everyWeek", "hour": 8, "minute": 5, "weekday": "3"},
        {"mode": "custom", "cronExpression": "0 */5 * * * *"},
    ]
    cron = WorkflowNode("Cron", "cron", {"parameters": {"triggerTimes": {"item": items}}})
    found = crons(cron)
    assert found[0] is not None and found[0].endswith(" 5 8 * * 3") and found[1] == "0 */5 * * * *"
    interval = WorkflowNode("Every", "interval", {"parameters": {"interval": 2, "unit": "minutes"}})
    assert rules(interval, "x") == [Rule(0, every=120.0)]
    with pytest.raises(InputError, match="at least 1"):
        rules(WorkflowNode("Every", "interval", {"parameters": {"interval": 0}}), "x")


def test_an_invalid_cron_expression_is_refused_as_n8n_refuses_it() -> None:
    with pytest.raises(InputError, match="Invalid cron expression"):
        rules(schedule({"field": "cronExpression", "expression": "61 * * * *"}), "x")


def test_the_schedule_item_is_n8ns() -> None:
    moment = datetime(2026, 12, 2, 18, 5, 9, 123000, tzinfo=BERLIN)
    assert schedule_item(moment, "Europe/Berlin")["json"] == {
        "timestamp": "2026-12-02T18:05:09.123+01:00",
        "Readable date": "December 2nd 2026, 6:05:09 pm",
        "Readable time": "6:05:09 pm",
        "Day of week": "Wednesday",
        "Year": "2026",
        "Month": "December",
        "Day of month": "02",
        "Hour": "18",
        "Minute": "05",
        "Second": "09",
        "Timezone": "Europe/Berlin (UTC+01:00)",
    }
