"""report/build against an independent computation over the rows of clicks/log and conversions/log.

The expected numbers are computed here in plain Python from the raw rows, with the glossary
formulas written out again (not imported from the emulator).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from .conftest import Http

TZ = "Europe/Moscow"
CLICK_COLUMNS = [
    "sub_id",
    "datetime",
    "campaign_id",
    "country_code",
    "is_bot",
    "is_unique_campaign",
    "landing_id",
    "landing_clicked",
    "cost",
]


@pytest.fixture(scope="module")
def rows(http: Http) -> list[dict[str, Any]]:
    """Every click (in Moscow time) with its conversions, read through the log endpoints."""
    status, _, clicks = http.api(
        "POST",
        "/clicks/log",
        {
            "range": {"interval": "all_time", "timezone": TZ},
            "limit": 100_000,
            "columns": CLICK_COLUMNS,
        },
    )
    assert status == 200 and clicks["total"] == len(clicks["rows"])
    status, _, convs = http.api(
        "POST",
        "/conversions/log",
        {
            "range": {"interval": "all_time"},
            "limit": 100_000,
            "columns": ["sub_id", "status", "revenue"],
        },
    )
    assert status == 200
    by_click: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in convs["rows"]:
        by_click[c["sub_id"]].append(c)
    return [{**c, "conversions": by_click[c["sub_id"]]} for c in clicks["rows"]]


def div(a: float, b: float, scale: float = 1) -> float:
    return a / b * scale if b else 0.0


def measures(group: list[dict[str, Any]]) -> dict[str, float]:
    convs = [c for click in group for c in click["conversions"]]

    def money(status: str) -> float:
        return sum(c["revenue"] for c in convs if c["status"] == status)

    leads = sum(c["status"] == "lead" for c in convs)
    sales = sum(c["status"] == "sale" for c in convs)
    rejected = sum(c["status"] == "rejected" for c in convs)
    clicks = len(group)
    cost = sum(c["cost"] for c in group)
    revenue = money("lead") + money("sale") + money("rebill")
    conversions = leads + sales
    return {
        "clicks": clicks,
        "campaign_unique_clicks": sum(c["is_unique_campaign"] for c in group),
        "bots": sum(c["is_bot"] for c in group),
        "leads": leads,
        "sales": sales,
        "rejected": rejected,
        "conversions": conversions,
        "cost": cost,
        "revenue": revenue,
        "profit": revenue - cost,
        "sale_revenue": money("sale"),
        "cr": div(conversions, clicks, 100),
        "epc": div(revenue, clicks),
        "cpc": div(cost, clicks),
        "roi": div(revenue - cost, cost, 100),
        "approve": div(sales, leads + sales + rejected, 100),
        "lp_ctr": div(sum(c["landing_clicked"] for c in group), clicks, 100),
    }


def expected(
    clicks: list[dict[str, Any]], dims: list[str], names: list[str]
) -> list[dict[str, Any]]:
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for click in clicks:
        groups[tuple(click[d] for d in dims)].append(click)
    out = []
    for key, group in groups.items():
        values = measures(group)
        out.append({**dict(zip(dims, key, strict=True)), **{n: values[n] for n in names}})
    return out


def build(http: Http, body: dict[str, Any]) -> dict[str, Any]:
    status, _, data = http.api("POST", "/report/build", body)
    assert status == 200, data
    return data


def same(actual: list[dict[str, Any]], wanted: list[dict[str, Any]], dims: list[str]) -> None:
    def key(row: dict[str, Any]) -> tuple[str, ...]:
        return tuple(str(row[d]) for d in dims)

    assert sorted(map(key, actual)) == sorted(map(key, wanted))
    wanted_by = {key(w): w for w in wanted}
    for row in actual:
        for name, value in wanted_by[key(row)].items():
            assert row[name] == pytest.approx(value, abs=1e-3), (key(row), name)


NAMES = [
    "clicks",
    "conversions",
    "leads",
    "sales",
    "revenue",
    "cost",
    "profit",
    "cr",
    "epc",
    "roi",
    "bots",
]


def test_by_campaign_all_time(http: Http, rows) -> None:
    data = build(
        http,
        {
            "range": {"interval": "all_time", "timezone": TZ},
            "dimensions": ["campaign_id"],
            "measures": NAMES,
        },
    )
    same(data["rows"], expected(rows, ["campaign_id"], NAMES), ["campaign_id"])
    assert data["total"] == len({r["campaign_id"] for r in rows})


def test_legacy_names_and_a_filter(http: Http, rows) -> None:
    names = ["clicks", "campaign_unique_clicks", "cpc", "approve", "lp_ctr"]
    data = build(
        http,
        {
            "range": {"interval": "all_time"},
            "grouping": ["country_code", "is_bot"],
            "metrics": names,
            "filters": [{"name": "campaign_id", "operator": "EQUALS", "expression": "2"}],
        },
    )
    subset = [r for r in rows if r["campaign_id"] == 2]
    same(
        data["rows"],
        expected(subset, ["country_code", "is_bot"], names),
        ["country_code", "is_bot"],
    )


def test_interval_in_a_timezone_by_day(http: Http, rows) -> None:
    now = datetime.now(ZoneInfo(TZ))
    start = (now - timedelta(days=7)).replace(hour=0, minute=0, second=0, microsecond=0)
    recent = [
        {**r, "day": r["datetime"][:10]}
        for r in rows
        if datetime.strptime(r["datetime"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=ZoneInfo(TZ))
        >= start
    ]
    names = ["clicks", "sales", "sale_revenue", "approve"]
    data = build(
        http,
        {
            "range": {"interval": "7_days_ago", "timezone": TZ},
            "dimensions": ["day"],
            "measures": names,
        },
    )
    same(data["rows"], expected(recent, ["day"], names), ["day"])
    assert sum(r["clicks"] for r in data["rows"]) == len(recent) > 0


def test_date_range_list_filter_measure_filter_sort_and_paging(http: Http, rows) -> None:
    days = sorted({r["datetime"][:10] for r in rows})
    first, last = days[3], days[12]
    chosen = [
        r for r in rows if first <= r["datetime"][:10] <= last and r["country_code"] in ("US", "DE")
    ]
    body = {
        "range": {"from": first, "to": last, "timezone": TZ},
        "dimensions": ["campaign_id", "country_code"],
        "measures": ["clicks", "revenue"],
        "filters": [
            {"name": "country_code", "operator": "IN_LIST", "expression": ["US", "DE"]},
            {"name": "clicks", "operator": "GREATER_THAN", "expression": 3},
        ],
        "sort": [{"name": "clicks", "order": "DESC"}, {"name": "campaign_id", "order": "ASC"}],
        "limit": 3,
        "offset": 1,
    }
    data = build(http, body)
    wanted = [
        w
        for w in expected(chosen, ["campaign_id", "country_code"], ["clicks", "revenue"])
        if w["clicks"] > 3
    ]
    wanted.sort(key=lambda w: (-w["clicks"], w["campaign_id"]))
    assert data["total"] == len(wanted)
    assert [(r["campaign_id"], r["country_code"], r["clicks"]) for r in data["rows"]] == [
        (w["campaign_id"], w["country_code"], w["clicks"]) for w in wanted[1:4]
    ]


def test_division_by_zero_gives_zero(http: Http) -> None:
    data = build(
        http,
        {
            "range": {"from": "1999-01-01", "to": "1999-01-02"},
            "dimensions": [],
            "measures": ["clicks", "roi", "cr"],
        },
    )
    assert data == {"rows": [], "total": 0, "meta": ["clicks", "roi", "cr"]}
    data = build(
        http,
        {
            "range": {"interval": "all_time"},
            "dimensions": ["campaign_id"],
            "measures": ["cps", "ec"],
            "filters": [{"name": "is_bot", "operator": "IS_TRUE"}],
        },
    )
    assert all(r["cps"] == 0 and r["ec"] == 0 for r in data["rows"])  # bots never convert


def test_clicks_log_pages_with_total(http: Http, rows) -> None:
    seen = []
    offset = 0
    while True:
        status, _, page = http.api(
            "POST",
            "/clicks/log",
            {
                "range": {"interval": "all_time"},
                "limit": 250,
                "offset": offset,
                "columns": ["sub_id"],
                "sort": [{"name": "sub_id", "order": "ASC"}],
            },
        )
        assert status == 200 and page["total"] == len(rows)
        seen += [r["sub_id"] for r in page["rows"]]
        offset += 250
        if offset >= page["total"]:
            break
    assert seen == sorted(r["sub_id"] for r in rows)
