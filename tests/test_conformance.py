"""What the emulator claims about real trackers, as checks that run against either.

CI runs them against the emulator. Anyone with a tracker runs the same checks against it::

    KEITARO_DOMAIN=https://tracker.example KEITARO_API_KEY=… pytest -m live tests/test_conformance.py

and a failure there shows where the emulator is wrong. They only read, except the write checks,
which need a second opt-in (``KEITARO_LIVE_WRITES=1``) and touch only the campaign they create
(archived at the end).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from keitaro_node import Credentials, KeitaroNode

from .conftest import Http, credentials_for

LIVE_SKIP = "live suite: set KEITARO_DOMAIN and KEITARO_API_KEY to check a real tracker"


@dataclass
class Target:
    name: str
    credentials: Credentials
    writes: bool

    @property
    def http(self) -> Http:
        return Http(self.credentials.root_url, self.credentials.api_key)


@pytest.fixture(
    scope="module",
    params=[pytest.param("emulator"), pytest.param("live", marks=pytest.mark.live)],
)
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    if request.param == "emulator":
        emu = request.getfixturevalue("emulator")
        yield Target("emulator", credentials_for(emu), writes=True)
        return
    if not (os.environ.get("KEITARO_DOMAIN") and os.environ.get("KEITARO_API_KEY")):
        pytest.skip(LIVE_SKIP)
    writes = os.environ.get("KEITARO_LIVE_WRITES") == "1"
    yield Target("live", Credentials.from_env(), writes=writes)


def html(headers: dict[str, str]) -> bool:
    return "text/html" in headers.get("Content-Type", "")


def test_the_key_is_checked(target: Target) -> None:
    status, _, _ = Http(target.credentials.root_url, "wrong-" + secrets.token_hex(8)).api(
        "GET", "/groups?type=campaigns"
    )
    assert status == 401


@pytest.mark.parametrize(
    "path",
    ["/campaigns", "/offers", "/traffic_sources", "/affiliate_networks", "/groups?type=offers"],
)
def test_lists_are_bare_arrays(target: Target, path: str) -> None:
    status, _, body = target.http.api("GET", path)
    assert status == 200 and isinstance(body, list)


def test_unknown_paths_answer_with_the_panel(target: Target) -> None:
    for method, path in (("GET", "/settings"), ("GET", "/postbacks"), ("GET", "/campaigns/abc")):
        status, headers, _ = target.http.api(method, path)
        assert status == 200 and html(headers), (method, path, status)


def test_a_missing_campaign_is_404(target: Target) -> None:
    status, _, _ = target.http.api("GET", "/campaigns/2147483000")
    assert status == 404


def test_users_list_the_key_owner_or_refuse_a_user_key(target: Target) -> None:
    status, _, body = target.http.api("GET", "/users")
    assert (status == 200 and isinstance(body, list) and body) or status == 403


def test_campaigns_carry_domain_and_bind_visitors(target: Target) -> None:
    campaigns = target.http.api("GET", "/campaigns")[2]
    for campaign in campaigns[:20]:
        assert {"id", "alias", "name", "state", "domain", "bind_visitors"} <= set(campaign)
        assert isinstance(campaign["id"], int)


def test_the_click_log_knows_sub_id_30(target: Target) -> None:
    body = {"range": {"interval": "today"}, "limit": 1, "columns": ["sub_id", "sub_id_30"]}
    status, _, data = target.http.api("POST", "/clicks/log", body)
    assert status == 200 and isinstance(data["rows"], list)
    assert all(set(row) == {"sub_id", "sub_id_30"} for row in data["rows"])


def test_reports_take_the_older_dialect(target: Target) -> None:
    body = {"range": {"interval": "today"}, "metrics": ["campaign_id", "clicks"]}
    status, _, data = target.http.api("POST", "/report/build", body)
    assert status == 200 and isinstance(data["rows"], list)
    assert all("campaign_id" in row for row in data["rows"])


def test_domains_ip_answers(target: Target) -> None:
    status, _, body = target.http.api("GET", "/domains/ip")
    assert status == 200 and isinstance(body, dict) and "ipv4" in body


def test_a_postback_round_trip_through_a_campaign(target: Target) -> None:
    """create, read and delete a campaign S2S postback on a campaign made for the purpose."""
    if not target.writes:
        pytest.skip("writes: set KEITARO_LIVE_WRITES=1 as well (one campaign is made and archived)")
    node = KeitaroNode(target.credentials)
    alias = f"keitaro-node-conformance-{secrets.token_hex(4)}"
    campaign = node.execute_sync(
        resource="campaign",
        operation="create",
        parameters={"campaignData": {"alias": alias, "name": alias}},
    )[0]["json"]["data"]
    try:
        url = "https://conformance.invalid/pb?c={external_id}"
        made = node.execute_sync(
            resource="postback",
            operation="create",
            parameters={"campaignId": campaign["id"], "url": url, "statuses": ["sale"]},
        )[0]["json"]["data"]
        assert made["url"] == url and made["id"]
        listed = target.http.api("GET", f"/campaigns/{campaign['id']}")[2]["postbacks"]
        assert [p["id"] for p in listed] == [made["id"]]
        node.execute_sync(
            resource="postback",
            operation="delete",
            parameters={"campaignId": campaign["id"], "postbackId": made["id"]},
        )
        assert target.http.api("GET", f"/campaigns/{campaign['id']}")[2]["postbacks"] == []
    finally:
        target.http.api("DELETE", f"/campaigns/{campaign['id']}")
