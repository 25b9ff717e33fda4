"""Table tests of the pure layers: credentials' base URL, paging decisions, planning."""

from __future__ import annotations

import pytest

from keitaro_node import Credentials, InputError
from keitaro_node.core.definition import load_definition
from keitaro_node.core.pagination import PageWalk, page_request, records
from keitaro_node.core.parameters import OperationInputs
from keitaro_node.core.planner import plan
from keitaro_node.model import Paging, RequestPlan


@pytest.mark.parametrize(
    ("domain", "base"),
    [
        ("tracker.example", "https://tracker.example/admin_api/v1"),
        ("https://tracker.example/", "https://tracker.example/admin_api/v1"),
        ("https://tracker.example/admin_api/v1", "https://tracker.example/admin_api/v1"),
        ("https://tracker.example/admin_api/v1/", "https://tracker.example/admin_api/v1"),
        ("https://tracker.example/admin_api", "https://tracker.example/admin_api/v1"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/admin_api/v1"),
        ("https://host.example/keitaro", "https://host.example/keitaro/admin_api/v1"),
        ("  https://tracker.example  ", "https://tracker.example/admin_api/v1"),
    ],
)
def test_base_url(domain: str, base: str) -> None:
    assert Credentials(domain, "key-1234").base_url == base


@pytest.mark.parametrize(
    ("domain", "key", "words"),
    [
        ("", "key-1234", "domain is empty"),
        ("tracker.example", "", "API key is empty"),
        ("ftp://tracker.example", "key-1234", "is not a tracker address"),
        ("https://", "key-1234", "is not a tracker address"),
    ],
)
def test_bad_credentials(domain: str, key: str, words: str) -> None:
    with pytest.raises(InputError, match=words):
        Credentials(domain, key).base_url  # noqa: B018 - the property validates


def test_credentials_from_env() -> None:
    creds = Credentials.from_env({"KEITARO_DOMAIN": "t.example", "KEITARO_API_KEY": "secret-1"})
    assert creds.base_url == "https://t.example/admin_api/v1" and "secret-1" not in repr(creds)
    with pytest.raises(InputError, match="KEITARO_API_KEY"):
        Credentials.from_env({"KEITARO_DOMAIN": "t.example"})


PAGING = Paging("bodyOffset", page_size=3)


@pytest.mark.parametrize(
    ("pages", "totals", "expected_offsets", "truncated"),
    [
        ([[1, 2, 3], [4, 5, 6], [7]], [7, 7, 7], [3, 6, None], False),  # total reached
        ([[1, 2, 3], [4, 5, 6]], [6, 6], [3, None], False),  # exactly total
        ([[1, 2, 3], [4]], [None, None], [3, None], False),  # no total: short page
        ([[1, 2, 3], [1, 2, 3]], [None, None], [3, None], True),  # offset ignored: loop guard
        ([[1, 2, 3, 4, 5]], [None], [None], False),  # limit ignored: all at once
        ([[]], [0], [None], False),  # nothing
    ],
)
def test_page_walk(pages, totals, expected_offsets, truncated) -> None:
    walk = PageWalk(PAGING)
    got = [
        walk.step(p, {"rows": p, "total": t} if t is not None else {"rows": p})
        for p, t in zip(pages, totals, strict=True)
    ]
    assert got == expected_offsets
    assert (walk.truncated is not None) is truncated


def test_page_walk_cap() -> None:
    walk = PageWalk(Paging("queryOffset", page_size=2, max_pages=3))
    steps = [walk.step([i, i + 1], [i, i + 1]) for i in range(0, 6, 2)]
    assert steps == [2, 4, None]
    assert walk.truncated == "stopped after 3 pages (the definition's maxPages)"


def test_page_requests() -> None:
    body_plan = RequestPlan("POST", "/clicks/log", body={"limit": 9, "columns": ["sub_id"]})
    assert page_request(body_plan, PAGING, 6).body == {
        "limit": 3,
        "offset": 6,
        "columns": ["sub_id"],
    }
    query_plan = RequestPlan("GET", "/campaigns", query=(("limit", "50"), ("x", "1")))
    paged = page_request(query_plan, Paging("queryOffset", 500), 1000)
    assert paged.query == (("x", "1"), ("limit", "500"), ("offset", "1000"))
    assert records("rows", {"rows": [1], "total": 1}) == [1]
    assert records("list", [1, 2]) == [1, 2]
    assert records("object", {"a": 1}) == [{"a": 1}]


DEFINITION = load_definition()


@pytest.mark.parametrize(
    ("key", "params", "method", "path", "query", "body"),
    [
        ("campaign:get", {"campaignId": 7}, "GET", "/campaigns/7", (), None),
        ("landing:get", {"landingId": "a1b2:c3"}, "GET", "/landing_pages/a1b2%3Ac3", (), None),
        (
            "conversion:create",
            {"conversionData": {"click_id": "s1", "transaction_id": "T", "payout": 2}},
            "GET",
            "/postback",
            (("subid", "s1"), ("tid", "T"), ("payout", "2")),
            None,
        ),
        (
            "group:get",
            {"groupId": 3, "groupType": "offers"},
            "GET",
            "/groups",
            (("type", "offers"),),
            None,
        ),
        ("group:getAll", {}, "GET", "/groups", (("type", "campaigns"),), None),
        (
            "log:get",
            {"logType": "ssl", "offset": 5},
            "GET",
            "/logs/ssl",
            (("limit", "100"), ("offset", "5")),
            None,
        ),
        ("campaign:enable", {"campaignId": 1}, "POST", "/campaigns/1/enable", (), None),
        (
            "settings:create",
            {"settingsData": {"a": 0, "b": False, "c": ""}},
            "POST",
            "/settings",
            (),
            {"a": 0, "b": False, "c": ""},
        ),  # falsy values are sent, not dropped
        (
            "click:getAll",
            {
                "clickFilters": {
                    "from": "2026-01-01",
                    "to": "2026-01-02",
                    "countryCode": "DE",
                    "columns": ["ip"],
                    "filters": [{"name": "ip", "operator": "IS_SET"}],
                }
            },
            "POST",
            "/clicks/log",
            (),
            {
                "range": {"from": "2026-01-01", "to": "2026-01-02"},
                "columns": ["ip"],
                "filters": [
                    {"name": "country_code", "operator": "EQUALS", "expression": "DE"},
                    {"name": "ip", "operator": "IS_SET"},
                ],
            },
        ),
    ],
)
def test_planner(key, params, method, path, query, body) -> None:
    op = DEFINITION.operation(*key.split(":"))
    request = plan(op, OperationInputs(op).prepare(params))
    assert (request.method, request.path, request.query, request.body) == (
        method,
        path,
        query,
        body,
    )
    assert request.idempotent is op.idempotent
