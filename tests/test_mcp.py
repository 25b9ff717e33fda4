"""``keitaro-node mcp`` through the official SDK's own client, over stdio and streamable HTTP,
against the emulator on loopback: which tools are listed, what calls return, and that the key
is in no result."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from keitaro_node.cli import main
from keitaro_node.emulator import Emulator

from .conftest import CANARY, ROOT, Http

TOKEN = "mcp-bearer-token-1f2e3d4c"


@pytest.fixture(scope="module")
def tracker() -> Iterator[Emulator]:
    """A tracker of the tools' own (the tests create offers on it)."""
    with Emulator.in_thread(api_key=CANARY, seed="demo", clicks=300) as emu:
        yield emu


def _environ(emu: Emulator) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "KEITARO_DOMAIN": emu.url,
        "KEITARO_API_KEY": CANARY,
        "MCP_TOKEN": TOKEN,
    }


def over_stdio(emu: Emulator, tmp_path: Path, *flags: str) -> Client:
    command = [sys.executable, "-m", "keitaro_node.cli", "mcp", *flags]
    params = StdioServerParameters(
        command=command[0], args=command[1:], env=_environ(emu), cwd=str(tmp_path)
    )
    return Client(params)


def session(client: Client, work: Callable[[Client], Awaitable[Any]]) -> Any:
    async def go() -> Any:
        async with client as open_client:
            return await work(open_client)

    return asyncio.run(go())


def texts(result: Any) -> str:
    return json.dumps(result.model_dump(mode="json"), ensure_ascii=False)


def test_reads_only_by_default_each_marked(tracker: Emulator, tmp_path: Path) -> None:
    async def work(client: Client) -> Any:
        return (await client.list_tools()).tools

    tools = {t.name: t for t in session(over_stdio(tracker, tmp_path), work)}
    assert {"campaign_getAll", "campaign_get", "offer_get", "stats_getAll", "click_getAll"} <= set(
        tools
    )
    assert not {"offer_create", "campaign_delete", "conversion_create"} & set(tools)
    assert not {"click_create", "settings_get"} & set(tools)  # unofficial: never listed
    assert all(t.annotations and t.annotations.read_only_hint for t in tools.values())
    assert "Кампания" in tools["campaign_getAll"].description
    assert tools["campaign_get"].input_schema["required"] == ["campaignId"]


def test_with_writes_creates_exactly_one_offer(tracker: Emulator, tmp_path: Path) -> None:
    http = Http(tracker.url)
    before = len(http.api("GET", "/offers")[2])

    async def work(client: Client) -> Any:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        created = await client.call_tool("offer_create", {"offerData": {"name": "From an agent"}})
        bad = await client.call_tool("offer_get", {"offerId": "no such id!"})
        missing = await client.call_tool("offer_get", {"offerId": 999999})
        listed = await client.call_tool("campaign_getAll", {})
        return tools, created, bad, missing, listed

    tools, created, bad, missing, listed = session(
        over_stdio(tracker, tmp_path, "--allow-writes"), work
    )
    assert not tools["offer_create"].annotations.read_only_hint
    assert tools["offer_delete"].annotations.destructive_hint
    assert tools["campaign_update"].annotations.idempotent_hint
    assert not tools["offer_create"].annotations.idempotent_hint
    assert not created.is_error
    assert created.structured_content["records"][0]["data"]["name"] == "From an agent"
    offers = http.api("GET", "/offers")[2]
    assert len(offers) == before + 1 and offers[-1]["name"] == "From an agent"
    assert bad.is_error and "invalid format" in bad.structured_content["error"]
    assert missing.is_error and "not be found" in missing.structured_content["error"]
    names = [r["name"] for r in listed.structured_content["records"]]
    assert names == [c["name"] for c in http.api("GET", "/campaigns")[2]]
    assert CANARY not in "".join(texts(r) for r in (created, bad, missing, listed))


def test_paged_reads_are_bounded_unless_asked(tracker: Emulator, tmp_path: Path) -> None:
    async def work(client: Client) -> Any:
        default = await client.call_tool("click_getAll", {"clickFilters": {"interval": "all_time"}})
        everything = await client.call_tool(
            "click_getAll", {"clickFilters": {"interval": "all_time"}, "returnAll": True}
        )
        return default, everything

    default, everything = session(over_stdio(tracker, tmp_path), work)
    assert default.structured_content["count"] == 100
    assert everything.structured_content["count"] >= 300


def test_resources_describe_the_definition_on_the_embedded_emulator(
    tracker: Emulator, tmp_path: Path
) -> None:
    async def work(client: Client) -> Any:
        listed = (await client.list_resources()).resources
        read = await client.read_resource("keitaro://definition")
        return listed, read, await client.call_tool("campaign_getAll", {})

    made = Http(tracker.url).api(
        "POST", "/campaigns", {"name": "Only on the tracker", "alias": "only-here"}
    )
    assert made[0] == 200, made
    listed, read, campaigns = session(over_stdio(tracker, tmp_path, "--emulator"), work)
    assert [r["name"] for r in campaigns.structured_content["records"]] == [
        "Demo Facebook",
        "Demo Google",
        "Demo Push",
    ]
    assert {str(r.uri) for r in listed} == {"keitaro://definition", "keitaro://operations"}
    operations = json.loads(read.contents[0].text)
    assert {"resource": "campaign", "operation": "getAll"}.items() <= operations[2].items()


@pytest.fixture
def http_server(tracker: Emulator, tmp_path: Path) -> Iterator[str]:
    command = [sys.executable, "-m", "keitaro_node.cli", "mcp", "--transport", "http"]
    command += ["--port", "0", "--token-env", "MCP_TOKEN"]
    proc = subprocess.Popen(
        command, env=_environ(tracker), cwd=tmp_path, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        assert "tools at http://127.0.0.1:" in line, line
        yield line.split(" at ", 1)[1].split()[0]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_streamable_http_at_mcp_behind_its_token(http_server: str, tracker: Emulator) -> None:
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    refused = urllib.request.Request(http_server, data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(refused, timeout=10)
    assert exc.value.code == 401

    async def work(client: Client) -> Any:
        tools = (await client.list_tools()).tools
        return tools, await client.call_tool("campaign_getAll", {})

    async def go() -> Any:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with (
            httpx2.AsyncClient(headers=headers) as http,
            Client(streamable_http_client(http_server, http_client=http)) as client,
        ):
            return await work(client)

    tools, listed = asyncio.run(go())
    assert "campaign_getAll" in {t.name for t in tools}
    assert listed.structured_content["count"] == len(Http(tracker.url).api("GET", "/campaigns")[2])
    assert CANARY not in texts(listed) and TOKEN not in texts(listed)


def test_other_hosts_need_a_token_and_a_missing_sdk_is_named(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["mcp", "--transport", "http", "--host", "192.0.2.1"]) == 2
    assert "give --token-env NAME" in capsys.readouterr().err
    import keitaro_node.mcp

    monkeypatch.delitem(sys.modules, "keitaro_node.mcp.server", raising=False)
    monkeypatch.delattr(keitaro_node.mcp, "server", raising=False)
    for name in [m for m in sys.modules if m == "mcp" or m.startswith("mcp.")]:
        monkeypatch.setitem(sys.modules, name, None)  # as if the SDK were not installed
    assert main(["mcp"]) == 2
    assert "pip install 'keitaro-node[mcp]'" in capsys.readouterr().err
