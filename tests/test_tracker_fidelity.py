"""The emulator is never kinder than a real tracker; the original actions use the official API.

Each behaviour recorded in ``keitaro_node.emulator.deviations.BEHAVIOURS`` has a test here
(``test_every_recorded_behaviour_is_tested`` holds that), and every unofficial operation fails
against the default emulator as it would on a tracker.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from keitaro_node import Credentials, InputError, ItemError, KeitaroNode, NotFoundError
from keitaro_node.core.definition import load_definition
from keitaro_node.emulator import Emulator
from keitaro_node.emulator.deviations import BEHAVIOURS
from keitaro_node.emulator.seed import KEY_OWNER

from .conftest import CANARY, Http
from .test_operations import EXAMPLES, Fixtures, unique

DEFINITION = load_definition()
UNOFFICIAL = [op for op in DEFINITION.operations() if not op.official]
NOT_THE_API = "the tracker answered with an HTML page instead of JSON"


def test_every_recorded_behaviour_is_tested() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    for name in BEHAVIOURS:
        assert f"def test_behaviour_{name}(" in source, name


@pytest.mark.parametrize("op", UNOFFICIAL, ids=[op.key for op in UNOFFICIAL])
def test_unofficial_operation_fails_as_on_a_tracker(
    op: Any, node: KeitaroNode, original_http: Http
) -> None:
    """Without the opt-in, an unofficial action gets the panel page, as from a real tracker."""
    params = EXAMPLES[op.key](Fixtures(original_http))  # ids from the opt-in emulator: any will do
    out = node.execute_sync(
        resource=op.resource, operation=op.value, parameters=params, continue_on_fail=True
    )
    error = out[0]["json"]["error"]
    assert out[0]["json"]["success"] is False
    assert error["message"].startswith(NOT_THE_API), error


def test_the_opt_in_is_per_emulator() -> None:
    body = {"timezone": "UTC"}
    with (
        Emulator.in_thread(api_key=CANARY, seed=None) as strict,
        Emulator.in_thread(api_key=CANARY, seed=None, original_paths=True) as kind,
    ):
        strict_answer = Http(strict.url).api("POST", "/settings", body)
        kind_answer = Http(kind.url).api("POST", "/settings", body)
    assert strict_answer[0] == 200 and strict_answer[2].startswith("<!DOCTYPE html>")
    assert kind_answer[0] == 200 and kind_answer[2]["timezone"] == "UTC"


# ------------------------------------------------------------------ recorded behaviours


def test_behaviour_unknown_paths(http: Http) -> None:
    for method, path in (("GET", "/postbacks"), ("POST", "/filters"), ("GET", "/nonsense")):
        status, headers, _ = http.api(method, path, {} if method == "POST" else None)
        assert status == 200 and "text/html" in headers["Content-Type"], (method, path)


def test_behaviour_integer_ids(http: Http) -> None:
    status, headers, _ = http.api("GET", "/campaigns/abc")
    assert status == 200 and "text/html" in headers["Content-Type"]
    status, _, body = http.api("GET", "/campaigns/987654321")
    assert (status, body) == (404, "Traffic\\Model\\Campaign #987654321 not found")


def test_behaviour_key_owner() -> None:
    with Emulator.in_thread(api_key=CANARY, seed="empty") as emu:
        status, _, users = Http(emu.url).api("GET", "/users")
    assert status == 200 and [u["login"] for u in users] == [KEY_OWNER]
    assert users[0]["type"] == "ADMIN"


def test_behaviour_sub_ids_30(http: Http) -> None:
    body = {"range": {"interval": "all_time"}, "limit": 2, "columns": ["sub_id", "sub_id_30"]}
    status, _, data = http.api("POST", "/clicks/log", body)
    assert status == 200 and set(data["rows"][0]) == {"sub_id", "sub_id_30"}
    report = {
        "range": {"interval": "all_time"},
        "dimensions": ["sub_id_30"],
        "measures": ["clicks"],
    }
    assert http.api("POST", "/report/build", report)[0] == 200
    body["columns"] = ["sub_id_31"]
    assert http.api("POST", "/clicks/log", body)[0] == 400


def test_behaviour_older_report_dialect(http: Http) -> None:
    body = {"range": {"interval": "all_time"}, "metrics": ["campaign_id", "datetime"]}
    status, _, data = http.api("POST", "/report/build", body)
    assert status == 200 and data["rows"]
    assert all(set(row) == {"campaign_id", "datetime"} for row in data["rows"])
    body = {"range": {"interval": "all_time"}, "grouping": ["campaign"], "metrics": ["clicks"]}
    rows = http.api("POST", "/report/build", body)[2]["rows"]
    assert rows and all(set(row) == {"campaign", "clicks"} for row in rows)


def test_behaviour_campaign_fields(http: Http) -> None:
    domain = Fixtures(http).domain()
    body = {"alias": unique("dom"), "name": "With a domain", "domain_id": domain}
    status, _, campaign = http.api("POST", "/campaigns", body)
    assert status == 200 and campaign["domain"].endswith(".example")
    assert "domain_id" not in campaign and campaign["bind_visitors"] is None
    with Emulator.in_thread(api_key=CANARY, seed="demo", clicks=10, restricted=True) as emu:
        shown = Http(emu.url).api("GET", "/campaigns")[2]
    assert shown and all(c["domain"] is None and "bind_visitors" in c for c in shown)


def test_behaviour_form_bodies(http: Http) -> None:
    status, _, body = http.api(
        "PUT",
        "/campaigns/1",
        raw=b"notes=True&postbacks=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 400 and "JSON" in body["error"]
    assert http.api("GET", "/campaigns/1")[2]["postbacks"] != "x"


def test_behaviour_costs_object(http: Http) -> None:
    body = {
        "campaign_ids": [1],
        "costs": {"start_date": "2026-01-01 00:00", "end_date": "2026-01-02 00:00", "cost": "1"},
        "timezone": "UTC",
        "currency": "USD",
    }
    assert http.api("POST", "/clicks/update_costs", body)[::2] == (200, {"success": True})


def test_behaviour_domains_ip(http: Http) -> None:
    status, _, body = http.api("GET", "/domains/ip")
    assert status == 200 and body == {"ipv4": ["127.0.0.1"], "ipv6": []}
    with Emulator.in_thread(api_key=CANARY, seed=None, restricted=True) as emu:
        assert Http(emu.url).api("GET", "/domains/ip")[0] == 200  # allowed to user keys


def test_behaviour_postback_answer(http: Http, emulator: Emulator) -> None:
    key = emulator.tracker.postback_key
    click = Fixtures(http).click()
    answer = http("GET", f"/{key}/postback?subid={click}&status=reg&lead_status=reg", auth=False)
    assert answer[::2] == (200, "Success")
    answer = http("GET", f"/{key}/postback?subid={click}&tid=x&return=OK", auth=False)
    assert answer[::2] == (200, "OK")
    assert http("GET", f"/{key}/postback?subid=nope", auth=False)[::2] == (
        200,
        "Error: click not found",
    )
    body = {
        "range": {"interval": "all_time"},
        "columns": ["status", "original_status", "tid"],
        "filters": [{"name": "sub_id", "operator": "EQUALS", "expression": click}],
    }
    rows = http.api("POST", "/conversions/log", body)[2]["rows"]
    assert {"status": "lead", "original_status": "reg", "tid": ""} in rows  # lead_status mapped
    assert {"status": "sale", "original_status": "sale", "tid": "x"} in rows  # default: sale


# ------------------------------------------------------------------ multi-step operations


def run(node: KeitaroNode, resource: str, operation: str, **params: Any) -> Any:
    return node.execute_sync(resource=resource, operation=operation, parameters=params)[0]["json"]


def test_postback_lifecycle(node: KeitaroNode, http: Http) -> None:
    campaign = Fixtures(http).campaign()
    url = "https://source.example/pb?click={external_id}&payout={revenue}"
    created = run(node, "postback", "create", campaignId=campaign, url=url, statuses=["sale"])
    pid = created["data"]["id"]
    assert created["data"] == {
        "id": pid,
        "campaign_id": campaign,
        "method": "GET",
        "statuses": ["sale"],
        "url": url,
    }
    assert run(node, "postback", "get", campaignId=campaign, postbackId=pid)["data"]["url"] == url
    changed = run(node, "postback", "update", campaignId=campaign, postbackId=pid, method="POST")
    assert changed["data"]["method"] == "POST" and changed["data"]["url"] == url
    listed = run(node, "postback", "getAll", campaignId=campaign)
    assert listed["count"] == 1 and listed["data"][0]["id"] == pid
    removed = run(node, "postback", "delete", campaignId=campaign, postbackId=pid)
    assert removed["data"]["id"] == pid
    assert http.api("GET", f"/campaigns/{campaign}")[2]["postbacks"] == []
    with pytest.raises(ItemError) as err:
        run(node, "postback", "get", campaignId=campaign, postbackId=pid)
    assert isinstance(err.value.cause, NotFoundError)
    assert f"campaign {campaign} has no S2S postback with ID {pid}" in str(err.value)


def test_concurrent_edits_of_one_campaign_lose_nothing(node: KeitaroNode, http: Http) -> None:
    campaign = Fixtures(http).campaign()
    items = [{"json": {"n": n}} for n in range(12)]
    out = node.execute_sync(
        items,
        resource="postback",
        operation="create",
        concurrency=6,
        parameters=lambda js, i: {"campaignId": campaign, "url": f"https://pb.example/{js['n']}"},
    )
    made = [o["json"]["data"] for o in out]
    assert [m["url"] for m in made] == [f"https://pb.example/{n}" for n in range(12)]
    stored = http.api("GET", f"/campaigns/{campaign}")[2]["postbacks"]
    assert sorted(p["id"] for p in stored) == sorted(m["id"] for m in made)
    assert len({m["id"] for m in made}) == 12


def test_filter_lifecycle(node: KeitaroNode, http: Http) -> None:
    stream = Fixtures(http).stream()
    data = {"name": "country", "mode": "accept", "payload": ["US", "DE"]}
    fid = run(node, "filter", "create", streamId=stream, filterData=data)["data"]["id"]
    second = run(node, "filter", "create", streamId=stream, filterData={**data, "name": "os"})
    changed = run(
        node, "filter", "update", streamId=stream, filterId=fid, filterData={"mode": "reject"}
    )
    assert changed["data"]["mode"] == "reject" and changed["data"]["id"] == fid
    shown = http.api("GET", f"/streams/{stream}")[2]["filters"]
    assert [(f["id"], f["mode"], json.loads(f["payload"])) for f in shown] == [
        (fid, "reject", ["US", "DE"]),
        (second["data"]["id"], "accept", ["US", "DE"]),
    ]
    run(node, "filter", "delete", streamId=stream, filterId=fid)
    assert [f["id"] for f in http.api("GET", f"/streams/{stream}")[2]["filters"]] == [
        second["data"]["id"]
    ]


def test_group_get_selects_by_id_and_type(node: KeitaroNode, http: Http) -> None:
    group = Fixtures(http).entity("/groups", type="landings")
    found = run(node, "group", "get", groupId=group, groupType="landings")["data"]
    assert (found["id"], found["type"]) == (group, "landings")
    with pytest.raises(ItemError, match=f"no campaigns group with ID {group}"):
        run(node, "group", "get", groupId=group)


def test_click_and_conversion_reads(node: KeitaroNode, http: Http) -> None:
    f = Fixtures(http)
    click = f.click()
    assert run(node, "click", "get", clickId=click)["data"]["sub_id"] == click
    with pytest.raises(ItemError, match="no click with sub_id nope-123"):
        run(node, "click", "get", clickId="nope-123")
    tid = unique("T")
    conversion = {"click_id": click, "status": "lead", "payout": 7, "tid": tid}
    assert run(node, "conversion", "create", conversionData=conversion)["data"] == "Success"
    got = run(node, "conversion", "get", transactionId=tid)["data"]
    assert (got["sub_id"], got["status"], got["revenue"]) == (click, "lead", 7)
    update = {"click_id": click, "tid": tid, "status": "sale"}
    assert run(node, "conversion", "update", conversionData=update)["data"] == "Success"
    again = run(node, "conversion", "get", conversionId=got["conversion_id"])["data"]
    assert (again["status"], again["previous_status"], again["revenue"]) == ("sale", "lead", 7)


def test_postback_operations_need_the_postback_key(emulator: Emulator) -> None:
    node = KeitaroNode(Credentials(domain=emulator.url, api_key=CANARY))
    with pytest.raises(ItemError) as err:
        run(node, "postback", "test", testData={"clickId": "x"})
    assert isinstance(err.value.cause, InputError) and "postbackKey" in str(err.value)
    assert not emulator.journal.last().path.endswith("/postback")
