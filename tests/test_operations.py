"""Every resource × operation of the definition, sent to the emulator over a real socket.

The parametrisation comes from the definition itself, and every operation must have an example
here, so a new operation cannot go untested.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from keitaro_node.core.definition import load_definition
from keitaro_node.model import Operation

from .conftest import CANARY, Http

POSTBACK_KEY = "emulatorpostback"
"""The emulators' postback key (the tests' credentials carry it; outputs mask it)."""

DEFINITION = load_definition()
OPERATIONS = DEFINITION.operations()
_counter = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}-sweep-{next(_counter)}"


@dataclass
class Fixtures:
    """Creates fresh tracker objects over HTTP, so every example has targets of its own."""

    http: Http

    def _make(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        status, _, data = self.http.api("POST", path, body)
        assert status == 200, (path, status, data)
        return data[0] if isinstance(data, list) else data

    def _archived(self, path: str, entity_id: int) -> int:
        status, _, _ = self.http.api("DELETE", f"{path}/{entity_id}")
        assert status in (200, 201)
        return entity_id

    def campaign(self, deleted: bool = False) -> int:
        cid = self._make("/campaigns", {"alias": unique("c"), "name": "Sweep campaign"})["id"]
        return self._archived("/campaigns", cid) if deleted else cid

    def stream(self, deleted: bool = False) -> int:
        sid = self._make(
            "/streams",
            {
                "campaign_id": self.campaign(),
                "type": "regular",
                "name": "Sweep stream",
                "schema": "redirect",
                "action_type": "http",
            },
        )["id"]
        return self._archived("/streams", sid) if deleted else sid

    def domain(self, deleted: bool = False) -> int:
        did = self._make("/domains", {"name": unique("d") + ".example"})["id"]
        return self._archived("/domains", did) if deleted else did

    def entity(self, path: str, **body: Any) -> int:
        return int(self._make(path, {"name": unique("e"), **body})["id"])

    def user(self) -> int:
        return int(
            self._make(
                "/users",
                {
                    "login": unique("u"),
                    "new_password": "pw-123456",
                    "new_password_confirmation": "pw-123456",
                    "type": "USER",
                },
            )["id"]
        )

    def click(self) -> str:
        """An existing (seeded) click's sub_id, a different one each time."""
        body = {"limit": 1, "offset": next(_counter) % 200, "columns": ["sub_id"]}
        status, _, data = self.http.api("POST", "/clicks/log", body)
        assert status == 200 and data["rows"], data
        return str(data["rows"][0]["sub_id"])

    def postback(self, **fields: Any) -> str:
        """Records a conversion through the S2S postback URL; its transaction ID."""
        tid = unique("tid")
        query = urlencode({"subid": self.click(), "status": "lead", "tid": tid, **fields})
        status, _, text = self.http("GET", f"/{POSTBACK_KEY}/postback?{query}", auth=False)
        assert (status, text) == (200, "Success"), (status, text)
        return tid

    def conversion(self) -> int:
        tid = self.postback()
        body = {"range": {"interval": "all_time"}, "limit": 1, "columns": ["conversion_id"]}
        body["filters"] = [{"name": "tid", "operator": "EQUALS", "expression": tid}]
        status, _, data = self.http.api("POST", "/conversions/log", body)
        assert status == 200 and data["rows"], data
        return int(data["rows"][0]["conversion_id"])

    def campaign_postback(self) -> dict[str, int]:
        """A campaign with one S2S postback: its campaignId and postbackId."""
        cid = self.campaign()
        body = {"postbacks": [{"url": "https://pb.example/?s={sub_id_1}", "statuses": ["sale"]}]}
        status, _, data = self.http.api("PUT", f"/campaigns/{cid}", body)
        assert status == 200, data
        return {"campaignId": cid, "postbackId": int(data["postbacks"][0]["id"])}

    def stream_filter(self) -> dict[str, int]:
        """A stream with one filter: its streamId and filterId."""
        sid = self.stream()
        body = {"filters": [{"name": "country", "mode": "accept", "payload": ["US"]}]}
        status, _, data = self.http.api("PUT", f"/streams/{sid}", body)
        assert status == 200, data
        return {"streamId": sid, "filterId": int(data["filters"][0]["id"])}

    def log(self) -> int:
        return int(self._make("/logs/system", {"message": "sweep"})["id"])


Example = Callable[[Fixtures], dict[str, Any]]
CLICK_COLUMNS = [
    "sub_id",
    "datetime",
    "campaign_id",
    "stream_id",
    "landing_id",
    "offer_id",
    "ip",
    "country_code",
    "is_bot",
    "is_unique_campaign",
    "cost",
    "revenue",
]
CONVERSION_COLUMNS = [
    "conversion_id",
    "sub_id",
    "status",
    "revenue",
    "postback_datetime",
    "click_datetime",
    "campaign_id",
    "offer_id",
    "country_code",
    "tid",
]


def crud(
    resource: str,
    id_name: str,
    data_name: str,
    path: str,
    *,
    clone: bool = True,
) -> dict[str, Example]:
    """Examples for a plain create/get/getAll/update/delete(/clone) resource."""
    body: dict[str, Any] = {}
    examples: dict[str, Example] = {
        f"{resource}:create": lambda f: {data_name: {"name": unique(resource), **body}},
        f"{resource}:get": lambda f: {id_name: f.entity(path, **body)},
        f"{resource}:getAll": lambda f: {},
        f"{resource}:update": lambda f: {
            id_name: f.entity(path, **body),
            data_name: {"notes": "updated"},
        },
        f"{resource}:delete": lambda f: {id_name: f.entity(path, **body)},
    }
    if clone:
        examples[f"{resource}:clone"] = lambda f: {id_name: f.entity(path, **body)}
    return examples


EXAMPLES: dict[str, Example] = {
    **crud("landing", "landingId", "landingData", "/landing_pages"),
    **crud("offer", "offerId", "offerData", "/offers"),
    **crud("settings", "settingsId", "settingsData", "/settings", clone=False),
    **crud("source", "sourceId", "sourceData", "/traffic_sources"),
    **crud("affiliate_network", "networkId", "networkData", "/affiliate_networks"),
    "campaign:create": lambda f: {"campaignData": {"alias": unique("c"), "name": "Sweep"}},
    "campaign:get": lambda f: {"campaignId": f.campaign()},
    "campaign:getAll": lambda f: {"limit": 2},
    "campaign:update": lambda f: {"campaignId": f.campaign(), "campaignData": {"name": "Renamed"}},
    "campaign:delete": lambda f: {"campaignId": f.campaign()},
    "campaign:clone": lambda f: {"campaignId": f.campaign()},
    "campaign:enable": lambda f: {"campaignId": f.campaign()},
    "campaign:disable": lambda f: {"campaignId": f.campaign()},
    "campaign:restore": lambda f: {"campaignId": f.campaign(deleted=True)},
    "campaign:getDeleted": lambda f: {},
    "campaign:getStreams": lambda f: {"campaignId": 1},
    "campaign:updateCosts": lambda f: {
        "campaignId": 1,
        "costData": {
            "start_date": "2026-01-01",
            "end_date": "2026-01-02",
            "timezone": "UTC",
            "cost": "1.5",
            "currency": "USD",
        },
    },
    "click:create": lambda f: {"clickData": {"campaign_id": f.campaign(), "country_code": "DE"}},
    "click:get": lambda f: {"clickId": f.click()},
    "click:getAll": lambda f: {
        "clickFilters": {"interval": "all_time", "campaignId": 1, "isBot": False, "limit": 5}
    },
    "click:update": lambda f: {"clickId": f.click(), "clickData": {"sub_id_1": "changed"}},
    "click:delete": lambda f: {"clickId": f.click()},
    "click:updateCosts": lambda f: {
        "costsData": {
            "campaign_ids": [f.campaign()],
            "costs": [
                {
                    "start_date": "2026-01-01 00:00",
                    "end_date": "2026-01-02 00:00",
                    "cost": "2",
                    "timezone": "UTC",
                    "currency": "USD",
                }
            ],
        }
    },
    "click:clean": lambda f: {"cleanData": {"start_date": "2001-01-01", "end_date": "2001-01-02"}},
    "user:create": lambda f: {
        "userData": {
            "login": unique("u"),
            "new_password": "pw-123456",
            "new_password_confirmation": "pw-123456",
            "type": "USER",
        }
    },
    "user:get": lambda f: {"userId": f.user()},
    "user:getAll": lambda f: {},
    "user:update": lambda f: {"userId": f.user(), "userData": {"preferences": {"language": "ru"}}},
    "user:delete": lambda f: {"userId": f.user()},
    "user:updateAccess": lambda f: {
        "userId": f.user(),
        "accessData": {"access_data": {"offers_access_type": "read_only"}},
    },
    "bot:create": lambda f: {"botData": {"value": "10.0.0.1\n10.0.0.2"}},
    "bot:get": lambda f: {},
    "bot:update": lambda f: {"botData": {"value": "10.0.0.3"}},
    "bot:delete": lambda f: {"botData": {"value": "10.0.0.3"}},
    "bot:clear": lambda f: {},
    "blacklist:create": lambda f: {"blacklistData": {"value": "10.1.0.1\n10.1.0.2"}},
    "blacklist:get": lambda f: {},
    "blacklist:update": lambda f: {"blacklistData": {"value": "10.1.0.3"}},
    "blacklist:delete": lambda f: {"blacklistId": "10.1.0.3"},
    "postback:create": lambda f: {
        "campaignId": f.campaign(),
        "url": "https://pb.example/?s={sub_id_1}&r={revenue}",
    },
    "postback:get": lambda f: f.campaign_postback(),
    "postback:getAll": lambda f: {"campaignId": f.campaign_postback()["campaignId"]},
    "postback:update": lambda f: {
        **f.campaign_postback(),
        "method": "POST",
        "statuses": ["lead", "sale"],
    },
    "postback:delete": lambda f: f.campaign_postback(),
    "postback:test": lambda f: {
        "testData": {"clickId": f.click(), "payout": 5, "subId1": "s1", "transactionId": "t"}
    },
    "conversion:create": lambda f: {
        "conversionData": {"click_id": f.click(), "status": "sale", "revenue": 12.5}
    },
    "conversion:get": lambda f: {"conversionId": f.conversion()},
    "conversion:getAll": lambda f: {},
    "conversion:update": lambda f: {
        "conversionData": {"click_id": f.click(), "tid": f.postback(), "status": "rejected"},
    },
    "conversion:delete": lambda f: {"conversionId": f.conversion()},
    "stats:getAll": lambda f: {
        "statsData": {
            "range": {"interval": "all_time"},
            "dimensions": ["campaign_id"],
            "measures": ["clicks"],
        }
    },
    "stats:getLabels": lambda f: {"campaignId": 1, "labelName": "whitelist", "refName": "sub_id_1"},
    "stats:updateLabels": lambda f: {
        "labelsData": {"campaign_id": 1, "ref_name": "sub_id_1", "items": {"ad1": "whitelist"}}
    },
    "group:create": lambda f: {"groupData": {"name": unique("g"), "type": "offers"}},
    "group:get": lambda f: {"groupId": f.entity("/groups", type="offers"), "groupType": "offers"},
    "group:getAll": lambda f: {"groupType": "offers"},
    "group:update": lambda f: {
        "groupId": f.entity("/groups", type="offers"),
        "groupData": {"name": unique("g")},
    },
    "group:delete": lambda f: {"groupId": f.entity("/groups", type="offers")},
    "stream:create": lambda f: {
        "streamData": {
            "campaign_id": f.campaign(),
            "type": "regular",
            "name": "S",
            "schema": "redirect",
            "action_type": "http",
        }
    },
    "stream:get": lambda f: {"streamId": f.stream()},
    "stream:getAll": lambda f: {"campaignId": 1},
    "stream:update": lambda f: {"streamId": f.stream(), "streamData": {"name": "Renamed"}},
    "stream:delete": lambda f: {"streamId": f.stream()},
    "stream:enable": lambda f: {"streamId": f.stream()},
    "stream:disable": lambda f: {"streamId": f.stream()},
    "stream:restore": lambda f: {"streamId": f.stream(deleted=True)},
    "stream:search": lambda f: {"query": "Demo"},
    "stream:getDeleted": lambda f: {},
    "stream:getEvents": lambda f: {"streamId": f.stream()},
    "stream:getFilterTypes": lambda f: {},
    "stream:getSchemas": lambda f: {},
    "stream:getTypes": lambda f: {},
    "stream:getActions": lambda f: {},
    "filter:create": lambda f: {
        "streamId": f.stream(),
        "filterData": {"name": "country", "mode": "accept", "payload": ["US"]},
    },
    "filter:get": lambda f: f.stream_filter(),
    "filter:update": lambda f: {
        **f.stream_filter(),
        "filterData": {"mode": "reject"},
    },
    "filter:delete": lambda f: f.stream_filter(),
    "log:create": lambda f: {"logType": "system", "logData": {"message": "hello"}},
    "log:get": lambda f: {"logType": "system", "limit": 5},
    "log:update": lambda f: {
        "logType": "system",
        "logId": f.log(),
        "logData": {"message": "edited"},
    },
    "log:delete": lambda f: {"logType": "ssl"},
    "log:getTypes": lambda f: {},
    "domain:create": lambda f: {"domainData": {"name": unique("d") + ".example", "is_ssl": False}},
    "domain:get": lambda f: {"domainId": f.domain()},
    "domain:getAll": lambda f: {},
    "domain:update": lambda f: {"domainId": f.domain(), "domainData": {"notes": "n"}},
    "domain:delete": lambda f: {"domainId": f.domain()},
    "domain:check": lambda f: {"domainId": f.domain()},
    "domain:restore": lambda f: {"domainId": f.domain(deleted=True)},
    "domain:getDeleted": lambda f: {},
}


def sub_id_filter(name: str, value: Any) -> list[dict[str, Any]]:
    return [{"name": name, "operator": "EQUALS", "expression": value}]


EXPECTED_BODIES: dict[str, Callable[[dict[str, Any]], Any]] = {
    "click:getAll": lambda p: {
        "range": {"interval": "all_time"},
        "limit": 5,
        "columns": CLICK_COLUMNS,
        "filters": [
            {"name": "campaign_id", "operator": "EQUALS", "expression": 1},
            {"name": "is_bot", "operator": "IS_FALSE"},
        ],
    },
    "click:get": lambda p: {
        "range": {"interval": "all_time"},
        "limit": 1,
        "columns": DEFINITION.operation("click", "get").property("columns").default,
        "filters": sub_id_filter("sub_id", p["clickId"]),
    },
    "conversion:get": lambda p: {
        "range": {"interval": "all_time"},
        "limit": 1,
        "columns": DEFINITION.operation("conversion", "get").property("columns").default,
        "filters": sub_id_filter("conversion_id", p["conversionId"]),
    },
    "conversion:getAll": lambda p: {"limit": 100, "columns": CONVERSION_COLUMNS},
    "blacklist:delete": lambda p: {"value": p["blacklistId"]},
}
EXPECTED_QUERIES: dict[str, list[tuple[str, str]]] = {
    "postback:test": [("subid", "*"), ("status", "lead"), ("payout", "5"), ("sub_id_1", "s1")],
    "conversion:create": [("subid", "*"), ("status", "sale"), ("revenue", "12.5")],
    "conversion:update": [("subid", "*"), ("tid", "*"), ("status", "rejected")],
    "campaign:getAll": [("limit", "2")],
    "log:get": [("limit", "5")],
    "stream:search": [("query", "Demo")],
    "group:getAll": [("type", "offers")],
    "stats:getLabels": [
        ("campaign_id", "1"),
        ("label_name", "whitelist"),
        ("ref_name", "sub_id_1"),
    ],
}


def expected_body(op: Operation, params: dict[str, Any]) -> Any:
    if op.key in EXPECTED_BODIES:
        return EXPECTED_BODIES[op.key](params)
    data = [
        p for p in op.properties if p.type == "json" and p.placement == "body" and p.key is None
    ]
    return params[data[0].name] if data else None


def test_every_operation_has_an_example() -> None:
    missing = sorted({op.key for op in OPERATIONS} - set(EXAMPLES))
    extra = sorted(set(EXAMPLES) - {op.key for op in OPERATIONS})
    assert not missing, f"operations without an example: {missing}"
    assert not extra, f"examples without an operation: {extra}"


def check_edit(op: Operation, params: dict[str, Any], written: Any, data: Any) -> None:
    """The written array holds the new or changed element, or no longer the removed one."""
    assert op.edit is not None
    elements = written[op.edit.array]
    ids = [str(e.get("id")) for e in elements]
    if op.edit.action == "remove":
        assert str(params[op.edit.match]) not in ids
        assert str(data["id"]) == str(params[op.edit.match])
        return
    sent = {k: v for k, v in params.items() if k not in ("campaignId", "streamId", "postbackId")}
    sent = sent.pop("filterData", sent)
    sent.pop("filterId", None)
    sent.pop("payload", None)  # written as an array, read back as text (as the spec says)
    assert any(sent.items() <= e.items() for e in elements), (sent, elements)
    assert all(data[k] == v for k, v in sent.items()) and data.get("id"), data


def sent_path(op: Operation, path: str, params: dict[str, Any]) -> str:
    values = {
        p.name: quote(str(params[p.name]), safe="") for p in op.properties if p.placement == "path"
    }
    return path.format(postbackKey=POSTBACK_KEY, **values)


@pytest.mark.parametrize("op", OPERATIONS, ids=[op.key for op in OPERATIONS])
def test_operation_end_to_end(op: Operation, request: pytest.FixtureRequest) -> None:
    """Official operations against the default emulator; the others against the opt-in one."""
    prefix = "" if op.official else "original_"
    node = request.getfixturevalue(prefix + "node")
    http = request.getfixturevalue(prefix + "http")
    emulator = request.getfixturevalue(prefix + "emulator")
    params = EXAMPLES[op.key](Fixtures(http))
    out = node.execute_sync(
        [{"json": {"n": 1}}], resource=op.resource, operation=op.value, parameters=params
    )
    assert len(out) == 1
    item = out[0]
    js = item["json"]
    assert js["success"] is True, js.get("error")

    # what the emulator received: each request of the operation, in order
    requests = op.requests()
    journal = list(emulator.journal)[-len(requests) :]
    assert [(e.method, e.path) for e in journal] == [  # the postback key masked in its path
        (method, sent_path(op, path, params).replace(POSTBACK_KEY, "***"))
        for method, path in requests
    ]
    sent = journal[-1]
    if op.endpoint == "postback":
        assert "Api-Key" not in sent.headers  # the postback URL is not the Admin API
    else:
        assert sent.headers["Api-Key"] == "***"  # the journal masks it; the key was accepted
    for name, value in EXPECTED_QUERIES.get(op.key, []):
        assert (name, value) in sent.query or (value == "*" and name in dict(sent.query))
    if op.edit is not None:
        check_edit(op, params, sent.body, js["data"])
    else:
        assert sent.body == expected_body(op, params)

    # what the user gets
    assert item["pairedItem"] == {"item": 0}
    assert (js["resource"], js["operation"]) == (op.resource, op.value)
    assert js["request"]["method"] == op.method
    shown = sent_path(op, requests[-1][1], params).replace(POSTBACK_KEY, "***")
    assert js["request"]["url"].startswith(emulator.url + shown)
    assert (js["request"]["headers"].get("Api-Key") == "***") == (op.endpoint == "admin")
    if op.returns == "text":
        assert js["data"] == "Success"
    elif op.returns == "object":
        assert "count" not in js
        assert isinstance(js["data"], dict | list | None)  # clones answer [entity]
    else:
        assert isinstance(js["data"], list)
        assert js["count"] == len(js["data"])
    assert CANARY not in json.dumps(out)
    assert POSTBACK_KEY not in json.dumps(out)
