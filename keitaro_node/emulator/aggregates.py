"""``report/build``'s sums in SQLite: clicks and their conversions grouped by the stored values a
report's dimensions and row filters read, so that Python sees one row per group, not per click.

A group is keyed by *sources*: stored click columns, ``statuses`` (the click's conversion
statuses) and ``local_hour`` (the clock hour in the report's zone, which every calendar dimension
is a function of). Each group's row carries those values, ``epoch`` as one of its clicks' moments
(so that the calendar dimensions read it as they read a click), and the base sums of reports.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from .store import CLICK_COLUMNS, Store

_CLICK_SUMS = {
    "clicks": "COUNT(*)",
    "campaign_unique_clicks": "TOTAL(c.is_unique_campaign)",
    "stream_unique_clicks": "TOTAL(c.is_unique_stream)",
    "global_unique_clicks": "TOTAL(c.is_unique_global)",
    "bots": "TOTAL(c.is_bot)",
    "lp_views": "TOTAL(c.landing_id IS NOT NULL AND c.landing_id NOT IN (0, ''))",
    "lp_clicks": "TOTAL(c.landing_clicked)",
    "cost": "TOTAL(c.cost)",
    "empty_referrers": "TOTAL(c.referrer IS NULL OR c.referrer = '')",
}
_STATUS_SUMS = {"lead": "leads", "sale": "sales", "rejected": "rejected", "rebill": "rebills"}
_CONVERSION_SUMS = {
    **{plural: f"TOTAL(v.status = '{status}')" for status, plural in _STATUS_SUMS.items()},
    **{
        f"{status}_revenue": f"TOTAL(CASE WHEN v.status = '{status}' THEN v.revenue END)"
        for status in _STATUS_SUMS
    },
}
_STATUSES = "(SELECT group_concat(DISTINCT s.status) FROM conversions s WHERE s.sub_id = c.sub_id)"
_HOURS_BACK = 3600 * 2**41
"""Added before dividing into hours, so that moments before 1970 floor too."""
_ZONE_STEP = 6 * 3600
"""Zones change their offset less often than this (a DST switch, a new standard time)."""


def _offset(tz: ZoneInfo, epoch: int) -> int:
    return int(datetime.fromtimestamp(epoch, tz).utcoffset().total_seconds())  # type: ignore[union-attr]


def _offsets(tz: ZoneInfo, first: int, last: int) -> list[tuple[int, int]]:
    """(from epoch, offset) for every offset the zone has between two moments, oldest first."""
    spans = [(first, _offset(tz, first))]
    moment = first
    while moment < last:
        step = min(moment + _ZONE_STEP, last)
        if _offset(tz, step) != spans[-1][1]:
            low, high = moment, step  # the offset changes in (low, high]: find the second
            while high - low > 1:
                middle = (low + high) // 2
                if _offset(tz, middle) == spans[-1][1]:
                    low = middle
                else:
                    high = middle
            spans.append((high, _offset(tz, high)))
        moment = step
    return spans


def _local_hour(tz: ZoneInfo, first: int, last: int) -> str:
    """SQL numbering the clock hours of ``c.epoch`` in a zone, exact across DST switches and in
    half-hour zones (counted from far enough back that SQLite's integer division floors)."""
    spans = _offsets(tz, first, last)
    offset = str(spans[0][1])
    if len(spans) > 1:
        cases = " ".join(f"WHEN c.epoch < {at} THEN {was}" for (_, was), (at, _) in pairwise(spans))
        offset = f"CASE {cases} ELSE {spans[-1][1]} END"
    return f"(c.epoch + {offset} + {_HOURS_BACK}) / 3600"


def group_sums(
    store: Store, start: int, stop: int, tz: ZoneInfo, sources: Iterable[str], sums: Iterable[str]
) -> list[dict[str, Any]]:
    """One row per distinct combination of ``sources`` among the clicks in [start, stop], with
    the named sums (of reports.py's base sums)."""
    wanted = set(sources)
    if "epoch" in wanted:
        wanted.discard("local_hour")  # the exact moment already fixes the hour
    unknown = wanted - {*CLICK_COLUMNS, "statuses", "local_hour"}
    if unknown:
        raise ValueError(f"not a report source: {sorted(unknown)}")
    keys: dict[str, str] = {c: f"c.{c}" for c in sorted(wanted & set(CLICK_COLUMNS))}
    if "statuses" in wanted:
        keys["statuses"] = _STATUSES
    if "local_hour" in wanted:
        first, last = store.db.execute(
            "SELECT MIN(epoch), MAX(epoch) FROM clicks WHERE epoch BETWEEN ? AND ?", (start, stop)
        ).fetchone()
        if first is None:
            return []
        keys["local_hour"] = _local_hour(tz, int(first), int(last))
    # Over most of the table a scan beats the epoch index's lookup of every row.
    in_range, everything = store.db.execute(
        "SELECT (SELECT COUNT(*) FROM clicks WHERE epoch BETWEEN ? AND ?), "
        "(SELECT COUNT(*) FROM clicks)",
        (start, stop),
    ).fetchone()
    span = f"c.epoch BETWEEN {int(start)} AND {int(stop)}"
    named = {*sums, "clicks"}
    click_sums = {k: v for k, v in _CLICK_SUMS.items() if k in named}
    if "local_hour" in keys:
        click_sums["epoch"] = "MIN(c.epoch)"  # a moment of the hour, as a click of it has
    scan = f"+{span}" if in_range * 4 > everything else span
    found = store.query(_grouped(keys, click_sums, "clicks c", scan))
    rows = [row for row in found if row["clicks"]]  # without keys SQL gives a row even of none
    conversion_sums = {k: v for k, v in _CONVERSION_SUMS.items() if k in named}
    if conversion_sums:
        by_key = {tuple(row[k] for k in keys): row for row in rows}
        for row in rows:
            row.update(dict.fromkeys(conversion_sums, 0.0))
        # From each conversion to its click: conversions are the fewer.
        joined = "conversions v CROSS JOIN clicks c ON c.sub_id = v.sub_id"
        for part in store.query(_grouped(keys, conversion_sums, joined, f"+{span}")):
            owner = by_key.get(tuple(part[k] for k in keys))
            if owner is not None:
                owner.update({name: part[name] for name in conversion_sums})
    for row in rows:
        if "statuses" in keys:
            statuses = row.pop("statuses")
            row["conversions"] = [{"status": s} for s in (statuses or "").split(",") if s]
        row.pop("local_hour", None)
    return rows


def _grouped(keys: dict[str, str], sums: dict[str, str], table: str, where: str) -> str:
    """The SELECT of ``sums`` over ``table`` grouped by ``keys`` (SQL expressions by name)."""
    columns = [f"{sql} AS {name}" for name, sql in (*keys.items(), *sums.items())]
    group = f" GROUP BY {', '.join(keys.values())}" if keys else ""
    return f"SELECT {', '.join(columns)} FROM {table} WHERE {where}{group}"
