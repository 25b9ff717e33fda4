"""Tracker semantics of the emulator: auth, routing, validation, soft delete, merge, clone, ids."""

from __future__ import annotations

from keitaro_node.emulator import Emulator
from keitaro_node.emulator.server import FORM_REFUSED

from .conftest import CANARY, Http
from .test_operations import Fixtures, unique


def test_auth_before_routing(http: Http) -> None:
    for path in ("/campaigns", "/no/such/path", "/campaigns/1"):
        status, _, body = http.api("GET", path, auth=False)
        assert (status, body) == (401, {"error": "Unauthorized"})
    status, _, _ = http.api("GET", "/campaigns", auth=False, headers={"Api-Key": "wrong"})
    assert status == 401
    status, _, _ = http.api(
        "GET", "/campaigns", auth=False, headers={"Authorization": f"Bearer {CANARY}"}
    )
    assert status == 200
    status, _, _ = http.api(
        "GET", "/campaigns", auth=False, headers={"Authorization": "Bearer nope"}
    )
    assert status == 401
    status, _, _ = http("GET", "/_emulator/journal", auth=False)
    assert status == 401


def test_unknown_path_answers_the_panel_page(http: Http) -> None:
    status, headers, body = http.api("GET", "/campaignz")
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert "<html" in body
    with Emulator.in_thread(api_key="k" * 8, seed=None, unknown_path="404") as emu:
        status, _, _ = Http(emu.url, "k" * 8).api("GET", "/campaignz")
        assert status == 404


def test_validation_errors_are_field_maps(http: Http) -> None:
    alias = unique("dup")
    assert http.api("POST", "/campaigns", {"alias": alias, "name": "A"})[0] == 200
    assert http.api("POST", "/campaigns", {"alias": alias, "name": "B"})[::2] == (
        422,
        {"alias": ["Alias has already used"]},
    )
    assert http.api("POST", "/campaigns", {"name": "B"})[::2] == (
        422,
        {"alias": ["Alias is required"]},
    )
    with Emulator.in_thread(api_key="k" * 8, seed=None, validation_status=406) as emu:
        assert Http(emu.url, "k" * 8).api("POST", "/campaigns", {})[0] == 406


def test_bad_bodies(http: Http) -> None:
    assert http.api("POST", "/campaigns", raw=b"{broken")[::2] == (
        400,
        {"error": "Malformed JSON in the request body"},
    )
    assert http.api("POST", "/groups", {})[0] == 500  # as a real tracker answers an empty group
    before = len(http.api("GET", "/affiliate_networks")[2])
    status, _, body = http.api(
        "POST",
        "/affiliate_networks",
        raw=b"name=Form&offers[]=1",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (status, body) == (400, {"error": FORM_REFUSED})  # deviations: form_bodies
    assert len(http.api("GET", "/affiliate_networks")[2]) == before


def test_campaign_archive_and_restore(http: Http) -> None:
    cid = Fixtures(http).campaign()
    status, _, body = http.api("DELETE", f"/campaigns/{cid}")
    assert status == 201 and body["state"] == "deleted"
    status, _, text = http.api("GET", f"/campaigns/{cid}")
    assert (status, text) == (404, f"Traffic\\Model\\Campaign #{cid} not found")
    assert cid in [c["id"] for c in http.api("GET", "/campaigns/deleted")[2]]
    assert cid not in [c["id"] for c in http.api("GET", "/campaigns")[2]]
    assert http.api("DELETE", f"/campaigns/{cid}")[0] == 404
    status, _, body = http.api("POST", f"/campaigns/{cid}/restore")
    assert status == 201 and body["state"] == "active"
    assert http.api("GET", f"/campaigns/{cid}")[2]["state"] == "active"


def test_delete_styles(http: Http) -> None:
    f = Fixtures(http)
    network = f.entity("/affiliate_networks")
    http.api("DELETE", f"/affiliate_networks/{network}")
    status, _, body = http.api("GET", f"/affiliate_networks/{network}")
    assert status == 200 and body["state"] == "deleted"  # networks stay readable
    group = f.entity("/groups", type="landings")
    http.api("DELETE", f"/groups/{group}/delete")
    assert group not in [g["id"] for g in http.api("GET", "/groups?type=landings")[2]]
    user = f.user()
    status, _, body = http.api("DELETE", f"/users/{user}")
    assert (status, body) == (201, None)
    assert http.api("GET", f"/users/{user}")[0] == 404
    source = f.entity("/traffic_sources")
    assert http.api("DELETE", f"/traffic_sources/{source}")[::2] == (200, None)


def test_ids_are_never_reused(http: Http) -> None:
    f = Fixtures(http)
    first = f.entity("/groups", type="offers")
    http.api("DELETE", f"/groups/{first}/delete")
    assert f.entity("/groups", type="offers") > first


def test_put_merges_and_arrays_replace(http: Http) -> None:
    f = Fixtures(http)
    o1, o2, o3 = (f.entity("/offers") for _ in range(3))
    status, _, stream = http.api(
        "POST",
        "/streams",
        {
            "campaign_id": f.campaign(),
            "type": "regular",
            "name": "Merge",
            "schema": "landings",
            "action_type": "http",
            "offers": [{"offer_id": o1, "share": 50}, {"offer_id": o2, "share": 50}],
        },
    )
    assert status == 200
    kept = {b["offer_id"]: b["id"] for b in stream["offers"]}
    status, _, updated = http.api(
        "PUT",
        f"/streams/{stream['id']}",
        {
            "weight": 7,
            "offers": [
                {"offer_id": o2, "share": 30},
                {"offer_id": o3, "share": 70},
                {"offer_id": o3, "share": 1},
            ],
        },
    )
    assert status == 200
    assert updated["name"] == "Merge" and updated["weight"] == 7  # merged, not replaced
    assert [b["offer_id"] for b in updated["offers"]] == [o2, o3]  # replaced, in sent order
    assert updated["offers"][0]["id"] == kept[o2]  # a repeated offer keeps its binding
    assert updated["offers"][1]["id"] not in kept.values()
    assert [b["share"] for b in updated["offers"]] == [30, 70]


def test_clone(http: Http) -> None:
    f = Fixtures(http)
    source = http.api("GET", "/campaigns/1")[2]
    streams = http.api("GET", "/campaigns/1/streams")[2]
    status, _, body = http.api("POST", "/campaigns/1/clone")
    assert status == 200 and isinstance(body, list) and len(body) == 1
    copy = body[0]
    assert copy["name"] == f"Copy of {source['name']}"
    assert (
        copy["id"] != source["id"]
        and copy["alias"] != source["alias"]
        and copy["token"] != source["token"]
    )
    copied = http.api("GET", f"/campaigns/{copy['id']}/streams")[2]
    assert [s["name"] for s in copied] == [s["name"] for s in streams]
    assert [len(s["filters"]) for s in copied] == [len(s["filters"]) for s in streams]
    offer = f.entity("/offers")
    assert http.api("POST", f"/offers/{offer}/clone")[2][0]["name"].startswith("Copy of ")


def test_filters_live_in_their_stream(http: Http) -> None:
    ref = Fixtures(http).stream_filter()
    stream, first = ref["streamId"], ref["filterId"]
    shown = http.api("GET", f"/streams/{stream}")[2]["filters"]
    assert [(x["id"], x["payload"]) for x in shown] == [(first, '["US"]')]
    # a write that sends a filter's id keeps it; one without an id is new; one left out is gone
    body = {
        "filters": [
            {"id": first, "name": "country", "mode": "reject", "payload": ["CN"]},
            {"name": "os", "mode": "accept", "payload": ["Android"]},
        ]
    }
    kept = http.api("PUT", f"/streams/{stream}", body)[2]["filters"]
    assert [(x["id"] == first, x["mode"], x["payload"]) for x in kept] == [
        (True, "reject", '["CN"]'),
        (False, "accept", '["Android"]'),
    ]
    left = http.api("PUT", f"/streams/{stream}", {"filters": [kept[1]]})[2]["filters"]
    assert [x["id"] for x in left] == [kept[1]["id"]]


def test_s2s_postback_records_a_conversion(http: Http, emulator: Emulator) -> None:
    sub_id = Fixtures(http).click()
    status, _, text = http(
        "GET",
        f"/{emulator.tracker.postback_key}/postback?subid={sub_id}&status=sale&payout=42.5&tid=T-1",
        auth=False,
    )
    assert (status, text) == (200, "Success")
    rows = http.api(
        "POST",
        "/conversions/log",
        {
            "range": {"interval": "today"},
            "columns": ["sub_id", "status", "revenue", "tid"],
            "filters": [{"name": "sub_id", "operator": "EQUALS", "expression": sub_id}],
        },
    )[2]["rows"]
    assert rows == [{"sub_id": sub_id, "status": "sale", "revenue": 42.5, "tid": "T-1"}]
    # the same transaction again updates the status instead of adding a conversion
    http(
        "GET",
        f"/{emulator.tracker.postback_key}/postback?subid={sub_id}&status=rejected&tid=T-1",
        auth=False,
    )
    rows = http.api(
        "POST",
        "/conversions/log",
        {
            "limit": 10,
            "columns": ["status"],
            "filters": [{"name": "sub_id", "operator": "EQUALS", "expression": sub_id}],
        },
    )[2]["rows"]
    assert rows == [{"status": "rejected"}]
    assert http("GET", f"/wrong-key/postback?subid={sub_id}", auth=False)[0] == 404


def test_log_endpoints_validate(http: Http) -> None:
    assert http.api("POST", "/clicks/log", {"columns": ["sub_id"]})[::2] == (
        400,
        {"error": "Either 'limit' or 'range' must be given"},
    )
    assert http.api("POST", "/clicks/log", {"limit": 1, "columns": ["nope"]})[::2] == (
        400,
        {"error": "Unknown column(s): nope"},
    )
    assert http.api("POST", "/report/build", {"range": {"interval": "last_30_days"}})[::2] == (
        400,
        {"error": "Unknown interval 'last_30_days'"},
    )
    assert http.api("POST", "/report/build", {"dimensions": ["nope"]})[0] == 400
    assert (
        http.api("POST", "/report/build", {"filters": [{"name": "ip", "operator": "LIKE"}]})[0]
        == 400
    )
    assert http.api("GET", "/logs/system")[::2] == (400, {"error": "limit is required"})


def test_journal_masks_the_key(http: Http) -> None:
    http.api("GET", "/campaigns?x=1")
    status, _, entries = http("GET", "/_emulator/journal")
    assert status == 200
    last = [e for e in entries if e["path"] == "/admin_api/v1/campaigns"][-1]
    assert last["headers"]["Api-Key"] == "***"
    assert last["query"] == [["x", "1"]]
    assert CANARY not in str(entries)


def test_landing_files(http: Http) -> None:
    import base64
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("index.html", "<h1>hi</h1>")
        zf.writestr("css/site.css", "body{}")
    status, _, landing = http.api(
        "POST",
        "/landing_pages",
        {"name": "Zip", "archive": base64.b64encode(buffer.getvalue()).decode()},
    )
    assert status == 200
    tree = http.api("GET", f"/landing_pages/{landing['id']}/get_structure")[2]
    assert sorted(c["name"] for c in tree["children"]) == ["css", "index.html"]
    assert http.api("GET", f"/landing_pages/{landing['id']}/get_file?path=css/site.css")[2] == {
        "data": "body{}"
    }
    assert http.api("GET", f"/landing_pages/{landing['id']}/get_file?path=../etc/passwd")[0] == 400


def test_restricted_key_mode() -> None:
    with Emulator.in_thread(api_key="k" * 8, seed="demo", clicks=5, restricted=True) as emu:
        http = Http(emu.url, "k" * 8)
        status, _, body = http.api("GET", "/users")
        assert status == 403 and body["stacktrace"] is None and "no permission" in body["error"]
        assert http.api("GET", "/domains")[::2] == (200, [])
        assert http.api("GET", "/campaigns")[0] == 200
