"""The API key never appears in any output item, error text, log record or repr."""

from __future__ import annotations

import json
import logging

import pytest

from keitaro_node import Credentials, ItemError, KeitaroNode, RetryPolicy, Timeouts
from keitaro_node.core.client import KeitaroClient
from keitaro_node.core.policy import NO_RETRY
from keitaro_node.emulator import Emulator
from keitaro_node.masking import Redactor

from .conftest import CANARY


def assert_clean(*things: object) -> None:
    for thing in things:
        text = (
            thing if isinstance(thing, str) else json.dumps(thing, default=repr, ensure_ascii=False)
        )
        assert CANARY not in text


def run_both_ways(node: KeitaroNode, caplog, **call) -> list[dict]:
    """Run with continue-on-fail (items) and without (the exception); check both and the logs."""
    caplog.set_level(logging.DEBUG)
    out = node.execute_sync([{"json": {}}], continue_on_fail=True, **call)
    with pytest.raises(ItemError) as err:
        node.execute_sync([{"json": {}}], **call)
    assert_clean(
        out,
        str(err.value),
        repr(err.value),
        str(err.value.cause),
        err.value.description or "",
        getattr(err.value.cause, "request", {}),
        caplog.text,
    )
    return out


def test_success(node: KeitaroNode, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    out = node.execute_sync(resource="campaign", operation="getAll", parameters={})
    assert out[0]["json"]["request"]["headers"]["Api-Key"] == "***"
    assert_clean(out, caplog.text)


def test_reprs(node: KeitaroNode, credentials: Credentials) -> None:
    client = KeitaroClient(credentials, transport=None)  # type: ignore[arg-type]
    assert_clean(
        repr(credentials), str(credentials), repr(node), repr(client), repr(client.redactor)
    )
    assert "***" in repr(credentials)


def test_401_wrong_key(emulator: Emulator, caplog) -> None:
    # The canary is the *wrong* key here: the tracker refuses it and we still must not echo it.
    with Emulator.in_thread(api_key="the-right-key", seed=None) as other:
        node = KeitaroNode(Credentials(domain=other.url, api_key=CANARY))
        out = run_both_ways(node, caplog, resource="campaign", operation="getAll")
    err = out[0]["json"]["error"]
    assert err["httpCode"] == "401"
    assert err["message"] == "Authorization failed - please check your credentials"
    assert err["description"] == "Unauthorized"


def test_404_and_422(node: KeitaroNode, caplog) -> None:
    out = run_both_ways(
        node, caplog, resource="campaign", operation="get", parameters={"campaignId": 9999}
    )
    assert out[0]["json"]["error"]["httpCode"] == "404"
    out = run_both_ways(
        node,
        caplog,
        resource="campaign",
        operation="create",
        parameters={"campaignData": {"name": "no alias"}},
    )
    err = out[0]["json"]["error"]
    assert err["httpCode"] == "422"
    assert err["responseData"] == {"alias": ["Alias is required"]}
    assert err["description"] == "alias: Alias is required"


def test_500_and_html(caplog) -> None:
    with Emulator.in_thread(api_key=CANARY, seed=None, faults="500=1") as emu:
        node = KeitaroNode(Credentials(domain=emu.url, api_key=CANARY), retry=NO_RETRY)
        out = run_both_ways(node, caplog, resource="campaign", operation="getAll")
        assert out[0]["json"]["error"]["httpCode"] == "500"
        emu.set_faults("502=1")
        out = run_both_ways(node, caplog, resource="campaign", operation="getAll")
        assert out[0]["json"]["error"]["description"] == "the server answered with an HTML page"


def test_timeout(caplog) -> None:
    with Emulator.in_thread(api_key=CANARY, seed=None, faults="latency=1500") as emu:
        node = KeitaroNode(
            Credentials(domain=emu.url, api_key=CANARY),
            retry=NO_RETRY,
            timeouts=Timeouts(total=0.3, connect=0.3, read=0.3),
        )
        out = run_both_ways(node, caplog, resource="campaign", operation="getAll")
    assert out[0]["json"]["error"]["message"] == (
        "no answer within 0.3 s of sending the request (read timeout)"
    )


def test_key_in_a_response_body_is_masked(node: KeitaroNode) -> None:
    # A tracker that echoes the key back (here: stored in a document) never shows it to the user.
    out = node.execute_sync(
        resource="affiliate_network",
        operation="create",
        parameters={"networkData": {"name": "echo", "notes": f"key is {CANARY}"}},
    )
    assert out[0]["json"]["data"]["notes"] == "key is ***"


def test_redactor_masks_by_name_and_value() -> None:
    r = Redactor([CANARY])
    assert r.headers({"Api-Key": "x", "X-Other": CANARY, "Authorization": "Bearer y"}) == {
        "Api-Key": "***",
        "X-Other": "***",
        "Authorization": "***",
    }
    assert (
        r.url(f"https://u:p@host/path?api_key=zz&q={CANARY}&x=1")
        == "https://***@host/path?api_key=***&q=***&x=1"
    )
    assert r.data({"a": [CANARY, {"b": f"pre{CANARY}post"}]}) == {"a": ["***", {"b": "pre***post"}]}


@pytest.mark.parametrize("fault", ["500", "502", "503", "429", "reset", "truncate", "slow"])
def test_masking_across_every_fault_kind(fault: str, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    with Emulator.in_thread(
        api_key=CANARY, seed="demo", clicks=20, faults=f"{fault}=1,retry_after=0"
    ) as emu:
        node = KeitaroNode(
            Credentials(domain=emu.url, api_key=CANARY),
            retry=RetryPolicy(max_attempts=2, base_delay=0.01),
        )
        for resource, operation, params in (
            ("campaign", "get", {"campaignId": 1}),
            ("offer", "create", {"offerData": {"name": f"x {CANARY}"}}),
        ):
            out = node.execute_sync(
                [{"json": {}}],
                resource=resource,
                operation=operation,
                parameters=params,
                continue_on_fail=True,
            )
            assert_clean(out, caplog.text)
        assert_clean([e.as_dict() for e in emu.journal])


def test_a_key_written_as_json_escapes_is_masked_in_the_output(tmp_path, emulator) -> None:
    import json
    import os
    import subprocess
    import sys

    escaped = "".join(f"\\u{ord(c):04x}" for c in CANARY)
    workflow = {
        "name": "escaped",
        "credentials": {"domain": emulator.url, "apiKey": "${KEITARO_API_KEY}"},
        "nodes": [
            {"name": "Rows", "type": "items", "items": [{"note": f"key: {escaped}"}]},
            {
                "name": "Get",
                "type": "keitaro",
                "resource": "campaign",
                "operation": "get",
                "parameters": {"campaignId": "={{ $json.note }}"},
                "onError": "continueRegularOutput",
            },
        ],
    }
    (tmp_path / "wf.yaml").write_text(json.dumps(workflow))
    env = {**os.environ, "KEITARO_API_KEY": CANARY}
    done = subprocess.run(
        [sys.executable, "-m", "keitaro_node.cli", "run", "wf.yaml", "--all-nodes", "all.json"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    everything = done.stdout + done.stderr + (tmp_path / "all.json").read_text()
    assert "note" in everything
    written = json.dumps(escaped)[1:-1]  # as it stands inside JSON text
    assert written not in everything and escaped not in everything, everything
    assert CANARY not in everything
