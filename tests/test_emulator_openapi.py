"""Every official operation, answered by the emulator, validated against the official OpenAPI.

Only the deviations listed in ``keitaro_node.emulator.deviations`` are honoured.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from keitaro_node.emulator.deviations import DEVIATIONS, NULL_FIELDS, TEXT_404

from . import openapi
from .conftest import Http
from .test_operations import Fixtures, unique

Request = tuple[str, Any]  # (path with query, JSON body or None)
Builder = Callable[[Fixtures], Request]

RANGE = {"interval": "all_time", "timezone": "Europe/Moscow"}


def _id(make: Callable[[Fixtures], Any], suffix: str = "", query: str = "") -> Builder:
    return lambda f: (f"{suffix.format(id=make(f))}{query}", None)


def landing(f: Fixtures) -> int:
    return f.entity("/landing_pages")


def offer(f: Fixtures) -> int:
    return f.entity("/offers")


def facebook(f: Fixtures) -> int:
    return f.entity("/integrations/facebook")


def with_file(make: Callable[[Fixtures], int], base: str) -> Callable[[Fixtures], int]:
    def build(f: Fixtures) -> int:
        owner = make(f)
        status, _, _ = f.http.api("PUT", f"{base}/{owner}/update_file?path=a/index.html&data=hello")
        assert status == 200
        return owner

    return build


def plain_entity(base: str, clone: str = "POST") -> dict[tuple[str, str], Builder]:
    """The six requests of a plain entity: list, create, get, update, delete, clone."""

    def make(f: Fixtures) -> int:
        return f.entity(base)

    return {
        ("GET", base): lambda f: (base, None),
        ("POST", base): lambda f: (base, {"name": unique("e")}),
        ("GET", f"{base}/{{id}}"): _id(make, f"{base}/{{id}}"),
        ("PUT", f"{base}/{{id}}"): lambda f: (f"{base}/{make(f)}", {"notes": "x"}),
        ("DELETE", f"{base}/{{id}}"): _id(make, f"{base}/{{id}}"),
        (clone, f"{base}/{{id}}/clone"): _id(make, f"{base}/{{id}}/clone"),
    }


REQUESTS: dict[tuple[str, str], Builder] = {
    **plain_entity("/affiliate_networks"),
    **plain_entity("/traffic_sources"),
    ("GET", "/botlist"): lambda f: ("/botlist", None),
    ("PUT", "/botlist"): lambda f: ("/botlist", {"value": "1.1.1.1\n2.2.2.2"}),
    ("DELETE", "/botlist"): lambda f: ("/botlist", None),
    ("POST", "/botlist/add"): lambda f: ("/botlist/add", {"value": "3.3.3.3"}),
    ("POST", "/botlist/exclude"): lambda f: ("/botlist/exclude", {"value": "3.3.3.3"}),
    ("GET", "/campaigns"): lambda f: ("/campaigns", None),
    ("POST", "/campaigns"): lambda f: ("/campaigns", {"alias": unique("a"), "name": "Sweep"}),
    ("GET", "/campaigns/{id}"): _id(Fixtures.campaign, "/campaigns/{id}"),
    ("PUT", "/campaigns/{id}"): lambda f: (f"/campaigns/{f.campaign()}", {"name": "New"}),
    ("DELETE", "/campaigns/{id}"): _id(Fixtures.campaign, "/campaigns/{id}"),
    ("POST", "/campaigns/{id}/clone"): _id(Fixtures.campaign, "/campaigns/{id}/clone"),
    ("POST", "/campaigns/{id}/disable"): _id(Fixtures.campaign, "/campaigns/{id}/disable"),
    ("POST", "/campaigns/{id}/enable"): _id(Fixtures.campaign, "/campaigns/{id}/enable"),
    ("POST", "/campaigns/{id}/restore"): _id(
        lambda f: f.campaign(deleted=True), "/campaigns/{id}/restore"
    ),
    ("GET", "/campaigns/{id}/streams"): lambda f: ("/campaigns/1/streams", None),
    ("POST", "/campaigns/{id}/update_costs"): lambda f: (
        "/campaigns/1/update_costs",
        {
            "start_date": "2026-01-01 00:00",
            "end_date": "2026-01-02 00:00",
            "timezone": "UTC",
            "cost": "3.5",
            "currency": "USD",
        },
    ),
    ("GET", "/campaigns/deleted"): lambda f: ("/campaigns/deleted", None),
    ("POST", "/clicks/clean"): lambda f: (
        "/clicks/clean",
        {"start_date": "2001-01-01 00:00", "end_date": "2001-01-02 00:00"},
    ),
    ("POST", "/clicks/log"): lambda f: (
        "/clicks/log",
        {"range": RANGE, "limit": 3, "columns": ["sub_id", "datetime", "ts"]},
    ),
    ("POST", "/clicks/update_costs"): lambda f: (
        "/clicks/update_costs",
        {
            "campaign_ids": [1],
            "costs": [
                {"start_date": "2026-01-01 00:00", "end_date": "2026-01-02 00:00", "cost": "1"}
            ],
            "timezone": "UTC",
            "currency": "USD",
        },
    ),
    ("POST", "/conversions/log"): lambda f: (
        "/conversions/log",
        {"range": RANGE, "limit": 3, "columns": ["conversion_id", "status"]},
    ),
    ("GET", "/domains"): lambda f: ("/domains", None),
    ("POST", "/domains"): lambda f: (
        "/domains",
        {"name": unique("d") + ".example", "is_ssl": False},
    ),
    ("GET", "/domains/{id}"): _id(Fixtures.domain, "/domains/{id}"),
    ("PUT", "/domains/{id}"): lambda f: (f"/domains/{f.domain()}", {"notes": "n", "is_ssl": True}),
    ("DELETE", "/domains/{id}"): _id(Fixtures.domain, "/domains/{id}"),
    ("POST", "/domains/{id}/check"): _id(Fixtures.domain, "/domains/{id}/check"),
    ("POST", "/domains/{id}/restore"): _id(
        lambda f: f.domain(deleted=True), "/domains/{id}/restore"
    ),
    ("GET", "/domains/deleted"): lambda f: ("/domains/deleted", None),
    ("GET", "/groups"): lambda f: ("/groups?type=campaigns", None),
    ("POST", "/groups"): lambda f: ("/groups", {"name": unique("g"), "type": "landings"}),
    ("PUT", "/groups/{id}"): lambda f: (
        f"/groups/{f.entity('/groups', type='offers')}",
        {"name": unique("g")},
    ),
    ("DELETE", "/groups/{id}/delete"): _id(
        lambda f: f.entity("/groups", type="offers"), "/groups/{id}/delete"
    ),
    ("GET", "/integrations/avscan"): lambda f: ("/integrations/avscan", None),
    ("PUT", "/integrations/avscan"): lambda f: ("/integrations/avscan?avscan_key=abc", None),
    ("GET", "/integrations/facebook"): lambda f: ("/integrations/facebook", None),
    ("POST", "/integrations/facebook"): lambda f: (
        "/integrations/facebook",
        {"name": "FB", "ad_account_id": "1"},
    ),
    ("GET", "/integrations/facebook/{id}"): _id(facebook, "/integrations/facebook/{id}"),
    ("PUT", "/integrations/facebook/{id}"): lambda f: (
        f"/integrations/facebook/{facebook(f)}",
        {"name": "FB2"},
    ),
    ("DELETE", "/integrations/facebook/{id}"): _id(facebook, "/integrations/facebook/{id}"),
    ("GET", "/integrations/facebook/{id}/campaign"): _id(
        facebook, "/integrations/facebook/{id}/campaign"
    ),
    ("POST", "/integrations/facebook/{id}/campaign"): lambda f: (
        f"/integrations/facebook/{facebook(f)}/campaign",
        {"campaign_id": 1},
    ),
    ("DELETE", "/integrations/facebook/{id}/campaign"): lambda f: (
        f"/integrations/facebook/{facebook(f)}/campaign",
        {"campaign_id": 1},
    ),
    ("GET", "/integrations/imklo"): lambda f: ("/integrations/imklo", None),
    ("PUT", "/integrations/imklo"): lambda f: (
        "/integrations/imklo?imklo_api_url=https%3A%2F%2Fi.example",
        None,
    ),
    ("GET", "/landing_pages"): lambda f: ("/landing_pages", None),
    ("POST", "/landing_pages"): lambda f: ("/landing_pages", {"name": "L"}),
    ("GET", "/landing_pages/{id}"): _id(landing, "/landing_pages/{id}"),
    ("PUT", "/landing_pages/{id}"): lambda f: (f"/landing_pages/{landing(f)}", {"notes": "x"}),
    ("DELETE", "/landing_pages/{id}"): _id(landing, "/landing_pages/{id}"),
    ("POST", "/landing_pages/{id}/add_file"): _id(
        landing, "/landing_pages/{id}/add_file", "?path=new.html"
    ),
    ("PUT", "/landing_pages/{id}/clone"): _id(landing, "/landing_pages/{id}/clone"),
    ("GET", "/landing_pages/{id}/download"): _id(
        with_file(landing, "/landing_pages"), "/landing_pages/{id}/download"
    ),
    ("GET", "/landing_pages/{id}/get_file"): _id(
        with_file(landing, "/landing_pages"), "/landing_pages/{id}/get_file", "?path=a/index.html"
    ),
    ("GET", "/landing_pages/{id}/get_structure"): _id(
        with_file(landing, "/landing_pages"), "/landing_pages/{id}/get_structure"
    ),
    ("DELETE", "/landing_pages/{id}/remove_file"): _id(
        with_file(landing, "/landing_pages"),
        "/landing_pages/{id}/remove_file",
        "?path=a/index.html",
    ),
    ("PUT", "/landing_pages/{id}/update_file"): _id(
        landing, "/landing_pages/{id}/update_file", "?path=b.txt&data=x"
    ),
    ("GET", "/logs/{type}"): lambda f: ("/logs/system?limit=10", None),
    ("DELETE", "/logs/{type}"): lambda f: ("/logs/traffic", None),
    ("POST", "/logs/types"): lambda f: ("/logs/types", None),
    ("GET", "/offers"): lambda f: ("/offers", None),
    ("POST", "/offers"): lambda f: (
        "/offers",
        {"name": "O", "payout_value": 2.5, "country": ["US"]},
    ),
    ("GET", "/offers/{id}"): _id(offer, "/offers/{id}"),
    ("PUT", "/offers/{id}"): lambda f: (f"/offers/{offer(f)}", {"payout_value": 3}),
    ("POST", "/offers/{id}/add_file"): _id(offer, "/offers/{id}/add_file", "?path=x.php"),
    ("DELETE", "/offers/{id}/archive"): _id(offer, "/offers/{id}/archive"),
    ("POST", "/offers/{id}/clone"): _id(offer, "/offers/{id}/clone"),
    ("GET", "/offers/{id}/download"): _id(with_file(offer, "/offers"), "/offers/{id}/download"),
    ("GET", "/offers/{id}/get_file"): _id(
        with_file(offer, "/offers"), "/offers/{id}/get_file", "?path=a/index.html"
    ),
    ("GET", "/offers/{id}/get_structure"): _id(
        with_file(offer, "/offers"), "/offers/{id}/get_structure"
    ),
    ("DELETE", "/offers/{id}/remove_file"): _id(
        with_file(offer, "/offers"), "/offers/{id}/remove_file", "?path=a/index.html"
    ),
    ("PUT", "/offers/{id}/update_file"): _id(
        offer, "/offers/{id}/update_file", "?path=y.txt&data=z"
    ),
    ("POST", "/report/build"): lambda f: (
        "/report/build",
        {"range": RANGE, "grouping": ["campaign"], "metrics": ["clicks", "roi"]},
    ),
    ("GET", "/report/labels"): lambda f: (
        "/report/labels?campaign_id=1&label_name=whitelist&ref_name=sub_id_1",
        None,
    ),
    ("POST", "/report/labels"): lambda f: (
        "/report/labels",
        {"campaign_id": 1, "ref_name": "sub_id_1", "items": {"ad2": "blacklist"}},
    ),
    ("GET", "/stream_filters"): lambda f: ("/stream_filters", None),
    ("GET", "/stream_schemas"): lambda f: ("/stream_schemas", None),
    ("GET", "/stream_types"): lambda f: ("/stream_types", None),
    ("GET", "/streams_actions"): lambda f: ("/streams_actions", None),
    ("POST", "/streams"): lambda f: (
        "/streams",
        {
            "campaign_id": f.campaign(),
            "type": "regular",
            "name": "S",
            "schema": "landings",
            "action_type": "http",
            "offers": [{"offer_id": offer(f), "share": 100}],
            "filters": [{"name": "country", "mode": "accept", "payload": ["DE"]}],
        },
    ),
    ("GET", "/streams/{id}"): _id(Fixtures.stream, "/streams/{id}"),
    ("PUT", "/streams/{id}"): lambda f: (f"/streams/{f.stream()}", {"weight": 50}),
    ("DELETE", "/streams/{id}"): _id(Fixtures.stream, "/streams/{id}"),
    ("POST", "/streams/{id}/disable"): _id(Fixtures.stream, "/streams/{id}/disable"),
    ("POST", "/streams/{id}/enable"): _id(Fixtures.stream, "/streams/{id}/enable"),
    ("GET", "/streams/{id}/events"): _id(Fixtures.stream, "/streams/{id}/events"),
    ("POST", "/streams/{id}/restore"): _id(
        lambda f: f.stream(deleted=True), "/streams/{id}/restore"
    ),
    ("GET", "/streams/deleted"): lambda f: ("/streams/deleted", None),
    ("GET", "/streams/search"): lambda f: ("/streams/search?query=Demo", None),
    ("GET", "/users"): lambda f: ("/users", None),
    ("POST", "/users"): lambda f: (
        "/users",
        {
            "login": unique("u"),
            "new_password": "pw-123456",
            "new_password_confirmation": "pw-123456",
            "type": "ADMIN",
        },
    ),
    ("GET", "/users/{id}"): _id(Fixtures.user, "/users/{id}"),
    ("PUT", "/users/{id}"): lambda f: (
        f"/users/{f.user()}",
        {"preferences": {"language": "ru", "timezone": "UTC"}},
    ),
    ("DELETE", "/users/{id}"): _id(Fixtures.user, "/users/{id}"),
    ("PUT", "/users/{id}/access"): lambda f: (
        f"/users/{f.user()}/access",
        {"access_data": {"offers_access_type": "read_only"}},
    ),
}
KEYS = sorted(REQUESTS)


def test_sweep_covers_every_official_operation() -> None:
    documented = {(m, op["x-path"]) for (m, _), op in openapi.operations().items()}
    assert len(documented) == 107
    assert set(REQUESTS) == documented


def _success(spec: dict[str, Any], status: int) -> dict[str, Any] | None:
    response = spec["responses"].get(str(status))
    assert response is not None and str(status).startswith("2"), (
        f"status {status} is not a documented success ({sorted(spec['responses'])})"
    )
    return response


@pytest.mark.parametrize("key", KEYS, ids=[f"{m} {p}" for m, p in KEYS])
def test_response_matches_openapi(key: tuple[str, str], http: Http) -> None:
    method, template = key
    spec = openapi.operations()[(method, openapi.shape(template))]
    path, body = REQUESTS[key](Fixtures(http))
    status, headers, data = http.api(method, path, body)
    response = _success(spec, status)
    schema = openapi.json_schema_of(response.get("content"))
    deviation = DEVIATIONS.get(key)
    if deviation and deviation.kind == "success_body":
        assert schema is None and data == {"success": True}
        return
    if schema is None:
        assert data in (None, ""), f"no body expected, got {data!r}"
        return
    if (response.get("content") or {}).get("application/octet-stream"):
        assert headers["Content-Type"] == "application/octet-stream"
        return
    if deviation and deviation.kind == "one_element_list":
        assert isinstance(data, list) and len(data) == 1
        data = data[0]
    if deviation and deviation.kind == "rows_as_objects":
        assert isinstance(data["rows"], list) and all(isinstance(r, dict) for r in data["rows"])
        data = {**data, "rows": []}
    errors = [
        f"{list(e.absolute_path)}: {e.message}"
        for e in openapi.validator(schema).iter_errors(data)
        if not (e.instance is None and e.absolute_path and e.absolute_path[-1] in NULL_FIELDS)
    ]
    assert not errors, errors


ID_PATHS = sorted(
    {(m, p) for (m, p) in REQUESTS if "{id}" in p and not p.startswith("/integrations")}
)


@pytest.mark.parametrize("key", ID_PATHS, ids=[f"{m} {p}" for m, p in ID_PATHS])
def test_missing_entity_is_a_text_404(key: tuple[str, str], http: Http) -> None:
    method, template = key
    status, headers, data = http.api(method, template.replace("{id}", "987654") + "?path=x", {})
    assert status == 404
    assert headers["Content-Type"].startswith("text/plain"), TEXT_404.what
    assert isinstance(data, str) and data.endswith("#987654 not found")
