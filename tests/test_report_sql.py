"""report/build (summed in SQLite) against clicks/log (read click by click in Python).

Every dimension, in zones with daylight saving and with 45- and 30-minute offsets, over traffic
whose 30 days cross three switches (Lord Howe Island from +10:30 to +11 on 4 October 2026, Europe
on 25 October, the US on 1 November): the report grouped by a dimension must give what grouping
the log's rows by the same column gives.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from keitaro_node.emulator import Emulator
from keitaro_node.emulator.reports import CLICK_FIELDS

from .conftest import CANARY, Http

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC).timestamp()
ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe")
MEASURED = ("cost", "revenue", "is_bot", "landing_id", "referrer", "is_lead", "is_sale")


@pytest.fixture(scope="module")
def tracker() -> Iterator[Http]:
    with Emulator.in_thread(api_key=CANARY, seed="demo", clicks=1500, now=lambda: NOW) as emu:
        yield Http(emu.url)


@pytest.fixture(scope="module")
def logs(tracker: Http) -> dict[str, list[dict[str, Any]]]:
    """Every click with every column, read in each zone."""
    out = {}
    for tz in ZONES:
        status, _, data = tracker.api(
            "POST",
            "/clicks/log",
            {
                "range": {"interval": "all_time", "timezone": tz},
                "limit": 100_000,
                "columns": sorted({*CLICK_FIELDS, *MEASURED}),
            },
        )
        assert status == 200 and data["total"] == len(data["rows"]) == 1500
        out[tz] = data["rows"]
    return out


def grouped(rows: list[dict[str, Any]], dims: list[str]) -> dict[tuple[str, ...], dict[str, float]]:
    sums: dict[tuple[str, ...], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in rows:
        group = sums[tuple(str(row[d]) for d in dims)]
        group["clicks"] += 1
        group["cost"] += row["cost"]
        group["revenue"] += row["revenue"]
        group["bots"] += row["is_bot"]
        group["lp_views"] += bool(row["landing_id"])
        group["empty_referrers"] += not row["referrer"]
    return sums


def report(http: Http, body: dict[str, Any]) -> dict[tuple[str, ...], dict[str, Any]]:
    status, _, data = http.api("POST", "/report/build", body)
    assert status == 200, data
    assert data["total"] == len(data["rows"])
    dims = [m for m in data["meta"] if m in CLICK_FIELDS]
    return {tuple(str(r[d]) for d in dims): r for r in data["rows"]}


def agree(actual: dict[tuple[str, ...], dict[str, Any]], wanted: dict[Any, Any]) -> None:
    assert sorted(actual) == sorted(wanted)
    for key, sums in wanted.items():
        for name, value in sums.items():
            assert actual[key][name] == pytest.approx(value, abs=1e-3), (key, name)


MEASURES = ["clicks", "cost", "revenue", "bots", "lp_views", "empty_referrers"]


@pytest.mark.parametrize("tz", ZONES)
@pytest.mark.parametrize("dimension", sorted(CLICK_FIELDS))
def test_each_dimension_agrees_with_the_log(
    tracker: Http, logs: dict[str, list[dict[str, Any]]], dimension: str, tz: str
) -> None:
    body = {
        "range": {"interval": "all_time", "timezone": tz},
        "dimensions": [dimension],
        "measures": MEASURES,
    }
    agree(report(tracker, body), grouped(logs[tz], [dimension]))


def test_calendar_dimensions_cross_the_dst_switch(
    tracker: Http, logs: dict[str, list[dict[str, Any]]]
) -> None:
    tz = "America/New_York"
    dims = ["campaign", "day", "hour", "day_hour", "weekday", "week"]
    body = {"range": {"interval": "all_time", "timezone": tz}, "dimensions": dims}
    body["measures"] = MEASURES
    wanted = grouped(logs[tz], dims)
    assert {"2026-10-31", "2026-11-01", "2026-11-02"} <= {k[1] for k in wanted}
    agree(report(tracker, body), wanted)


def test_row_filters_read_what_they_filter(
    tracker: Http, logs: dict[str, list[dict[str, Any]]]
) -> None:
    labelled = tracker.api(
        "POST",
        "/report/labels",
        {"campaign_id": 1, "ref_name": "sub_id_1", "items": {"ad2": "whitelist"}},
    )
    assert labelled[0] == 200
    filters = [
        {"name": "country_code", "operator": "MATCH_REGEXP", "expression": "^(US|D)"},
        {"name": "sub_id_1", "operator": "HAS_LABEL", "expression": "whitelist"},
        {"name": "is_sale", "operator": "IS_FALSE"},
    ]
    body = {
        "range": {"interval": "all_time", "timezone": "Asia/Kathmandu"},
        "dimensions": ["day"],
        "measures": MEASURES,
        "filters": filters,
        "summary": True,
    }
    status, _, data = tracker.api("POST", "/report/build", body)
    assert status == 200
    chosen = [
        r
        for r in logs["Asia/Kathmandu"]
        if (r["country_code"].startswith("US") or r["country_code"].startswith("D"))
        and r["campaign_id"] == 1
        and r["sub_id_1"] == "ad2"
        and not r["is_sale"]
    ]
    assert chosen
    agree(report(tracker, body), grouped(chosen, ["day"]))
    assert data["summary"]["clicks"] == len(chosen)
    assert data["summary"]["cost"] == pytest.approx(sum(r["cost"] for r in chosen), abs=1e-3)


def test_a_report_without_dimensions_is_one_row(tracker: Http, logs: dict[str, Any]) -> None:
    body = {"range": {"interval": "all_time"}, "dimensions": [], "measures": MEASURES}
    agree(report(tracker, body), grouped(logs["UTC"], []))
    empty = {"range": {"from": "2001-01-01", "to": "2001-01-02"}, "measures": ["clicks"]}
    assert report(tracker, empty) == {}
