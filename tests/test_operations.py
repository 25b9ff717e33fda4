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
from urllib.parse import quote

import pytest

from keitaro_node import KeitaroNode
from keitaro_node.loader import load_definition
from keitaro_node.model import Operation

from .conftest import CANARY, Http

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
        return str(self._make("/clicks", {"campaign_id": self.campaign()})["sub_id"])

    def conversion(self) -> int:
        return int(self._make("/conversions", {"click_id": self.click(), "status": "lead"})["id"])

    def filter(self) -> int:
        return int(
            self._make(
                "/filters",
                {
                    "stream_id": self.stream(),
                    "name": "country",
                    "mode": "accept",
                    "payload": ["US"],
                },
            )["id"]
        )

    def log(self) -> int:
        return int(self._make("/logs/system", {"message": "sweep"})["id"])

    def postback(self) -> int:
        return self.entity("/postbacks", url="https://pb.example/?s={sub_id_1}")


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
    **crud("blacklist", "blacklistId", "blacklistData", "/blacklist", clone=False),
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
    "postback:create": lambda f: {
        "name": "PB",
        "url": "https://pb.example/?s={sub_id_1}&r={revenue}",
    },
    "postback:get": lambda f: {"postbackId": f.postback()},
    "postback:getAll": lambda f: {},
    "postback:update": lambda f: {"postbackId": f.postback(), "name": "Renamed", "trigger": "sale"},
    "postback:delete": lambda f: {"postbackId": f.postback()},
    "postback:test": lambda f: {
        "postbackId": f.postback(),
        "testData": {"clickId": "abc", "payout": 5, "subId1": "s1"},
    },
    "conversion:create": lambda f: {
        "conversionData": {"click_id": f.click(), "status": "sale", "revenue": 12.5}
    },
    "conversion:get": lambda f: {"conversionId": f.conversion()},
    "conversion:getAll": lambda f: {},
    "conversion:update": lambda f: {
        "conversionId": f.conversion(),
        "conversionData": {"click_id": "x", "status": "rejected"},
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
    "group:get": lambda f: {"groupId": f.entity("/groups", type="offers")},
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
        "filterData": {
            "stream_id": f.stream(),
            "name": "country",
            "mode": "accept",
            "payload": ["US"],
        }
    },
    "filter:get": lambda f: {"filterId": f.filter()},
    "filter:update": lambda f: {"filterId": f.filter(), "filterData": {"mode": "reject"}},
    "filter:delete": lambda f: {"filterId": f.filter()},
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
    "conversion:getAll": lambda p: {"limit": 100, "columns": CONVERSION_COLUMNS},
    "postback:create": lambda p: {
        "name": "PB",
        "url": p["url"],
        "status": "active",
        "trigger": "any",
        "method": "GET",
    },
    "postback:update": lambda p: {"name": "Renamed", "trigger": "sale"},
    "postback:test": lambda p: {"sub_id": "abc", "status": "lead", "payout": 5, "sub_id_1": "s1"},
}
EXPECTED_QUERIES: dict[str, list[tuple[str, str]]] = {
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


@pytest.mark.parametrize("op", OPERATIONS, ids=[op.key for op in OPERATIONS])
def test_operation_end_to_end(op: Operation, node: KeitaroNode, http: Http, emulator: Any) -> None:
    params = EXAMPLES[op.key](Fixtures(http))
    out = node.execute_sync(
        [{"json": {"n": 1}}], resource=op.resource, operation=op.value, parameters=params
    )

    # what the emulator received
    sent = emulator.journal.last()
    path_values = {
        p.name: quote(str(params[p.name]), safe="") for p in op.properties if p.placement == "path"
    }
    assert sent.method == op.method
    assert sent.path == "/admin_api/v1" + op.path.format(**path_values)
    assert sent.headers["Api-Key"] == "***"  # the journal masks it; the key itself was accepted
    for pair in EXPECTED_QUERIES.get(op.key, []):
        assert pair in sent.query
    assert sent.body == expected_body(op, params)

    # what the user gets
    assert len(out) == 1
    item = out[0]
    assert item["pairedItem"] == {"item": 0}
    js = item["json"]
    assert js["success"] is True, js.get("error")
    assert (js["resource"], js["operation"]) == (op.resource, op.value)
    assert js["request"]["method"] == op.method
    assert js["request"]["url"].startswith(
        f"{emulator.url}/admin_api/v1{op.path.format(**path_values)}"
    )
    assert js["request"]["headers"]["Api-Key"] == "***"
    if op.returns == "object":
        assert "count" not in js
    else:
        assert isinstance(js["data"], list)
        assert js["count"] == len(js["data"])
    assert CANARY not in json.dumps(out)
