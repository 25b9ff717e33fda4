"""Typed outcomes, settled by the runner for every node type alike: a failed item of any node
counts (``run`` exits 1 under a continue mode, 3 when the node stops the run), and retryOnFail
never sends again a write that may have been applied."""

from __future__ import annotations

import asyncio
import io
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from keitaro_node import KeitaroNode
from keitaro_node.cli import main
from keitaro_node.emulator import Emulator
from keitaro_node.model import Credentials
from keitaro_node.n8n import import_n8n
from keitaro_node.outcomes import Failure, Success
from keitaro_node.workflows import NodeFailed, load_workflow, run_workflow

DATA = "return [{json: {n: 'x', d: 'not a date'}}, {json: {n: 5, d: '2024-01-02'}}];"
"""Two items: the first makes each node below fail, the second passes."""


def strict_number(field: str) -> dict[str, Any]:
    """n8n 2.x conditions that refuse a string where a number is wanted."""
    return {
        "options": {"caseSensitive": True, "leftValue": "", "typeValidation": "strict"},
        "conditions": [
            {
                "id": "c",
                "leftValue": f"={{{{ $json.{field} }}}}",
                "rightValue": 1,
                "operator": {"type": "number", "operation": "gt"},
            }
        ],
        "combinator": "and",
    }


FAMILIES: dict[str, tuple[str, float, dict[str, Any]]] = {
    "code, all items": ("n8n-nodes-base.code", 2, {"jsCode": "throw new Error('broken')"}),
    "code, each item": (
        "n8n-nodes-base.code",
        2,
        {
            "mode": "runOnceForEachItem",
            "jsCode": "if ($json.n === 'x') throw new Error('bad'); return {json: $json};",
        },
    ),
    "function item": (
        "n8n-nodes-base.functionItem",
        1,
        {"functionCode": "if (item.n === 'x') throw new Error('bad'); return item;"},
    ),
    "set": (
        "n8n-nodes-base.set",
        3.4,
        {
            "assignments": {
                "assignments": [
                    {"id": "1", "name": "num", "value": "={{ $json.n }}", "type": "number"}
                ]
            },
            "options": {},
        },
    ),
    "if": ("n8n-nodes-base.if", 2.2, {"conditions": strict_number("n"), "options": {}}),
    "filter": ("n8n-nodes-base.filter", 2.2, {"conditions": strict_number("n"), "options": {}}),
    "switch": (
        "n8n-nodes-base.switch",
        3.2,
        {"rules": {"values": [{"conditions": strict_number("n")}]}, "options": {}},
    ),
    "date & time": (
        "n8n-nodes-base.dateTime",
        2,
        {"operation": "addToDate", "magnitude": "={{ $json.d }}", "duration": 3, "options": {}},
    ),
}


def export(node_type: str, version: float, parameters: dict[str, Any], on_error: str) -> dict:
    names = ["Start", "Data", "Under test"]
    return {
        "name": "outcomes",
        "nodes": [
            {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1},
            {
                "name": "Data",
                "type": "n8n-nodes-base.code",
                "typeVersion": 2,
                "parameters": {"jsCode": DATA},
            },
            {
                "name": "Under test",
                "type": node_type,
                "typeVersion": version,
                "parameters": parameters,
                "onError": on_error,
            },
        ],
        "connections": {
            a: {"main": [[{"node": b, "type": "main", "index": 0}]]}
            for a, b in itertools.pairwise(names)
        },
        "settings": {"executionOrder": "v1"},
    }


@pytest.mark.parametrize("family", sorted(FAMILIES))
@pytest.mark.parametrize(
    ("on_error", "exit_code"),
    [("continueRegularOutput", 1), ("continueErrorOutput", 1), ("stopWorkflow", 3)],
)
def test_a_failed_item_of_any_node_counts(
    tmp_path: Path, family: str, on_error: str, exit_code: int
) -> None:
    path = tmp_path / "wf.json"
    path.write_text(json.dumps(export(*FAMILIES[family], on_error)), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert main(["run", str(path)], out=out, err=err) == exit_code, err.getvalue()
    if exit_code == 1:
        assert ", 1 failed" in err.getvalue()
    else:
        assert "node 'Under test', item 0" in err.getvalue()


def test_a_node_failing_as_a_whole_under_continue_counts(tmp_path: Path) -> None:
    # Remove Duplicates 2 compares a field missing from an item: the node fails as a whole
    doc = export(
        "n8n-nodes-base.removeDuplicates",
        2,
        {"compare": "selectedFields", "fieldsToCompare": "missing"},
        "continueRegularOutput",
    )
    path = tmp_path / "wf.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    err = io.StringIO()
    assert main(["run", str(path)], out=io.StringIO(), err=err) == 1, err.getvalue()


def test_outcomes_are_typed(credentials: Credentials) -> None:
    async def go() -> list[Any]:
        async with KeitaroNode(credentials) as node:
            return await node.outcomes(
                [{"json": {"id": 1}}, {"json": {"id": 999_999}}],
                resource="campaign",
                operation="get",
                parameters=lambda js, i: {"campaignId": js["id"]},
                continue_on_fail=True,
            )

    ok, missing = asyncio.run(go())
    assert isinstance(ok, Success) and ok.items[0]["json"]["data"]["id"] == 1
    assert isinstance(missing, Failure) and missing.index == 1
    assert missing.http_code == 404 and not missing.maybe_applied
    assert missing.item is not None and missing.item["json"]["success"] is False


def test_one_session_serves_every_call_inside_the_block(credentials: Credentials) -> None:
    async def go() -> None:
        async with KeitaroNode(credentials) as node:
            client = node._client
            assert client is not None
            for operation in ("campaign", "offer", "landing"):
                await node.execute(resource=operation, operation="getAll")
            assert node._client is client
            session = client.transport._session  # type: ignore[attr-defined]
            assert not session.closed
        assert session.closed  # closed when the block ends
        assert node._client is None

    asyncio.run(go())


def test_retry_on_fail_never_resends_what_may_have_been_applied() -> None:
    # The tracker applies each create, then drops the connection 40% of the time: a stream has
    # no natural key to look itself up by, so a lost answer "may have been applied". retryOnFail
    # must leave those alone: sending them again makes the same stream twice.
    async def go() -> tuple[Any, list[str]]:
        key = "k" * 16
        async with Emulator(api_key=key, faults="drop=0.4,writes=1,seed=11", clicks=10) as emu:
            text = (
                "name: streams\n"
                "nodes:\n"
                "  - {name: Rows, type: items, items: ["
                + ", ".join(f"{{n: {i}}}" for i in range(30))
                + "]}\n"
                "  - name: Save\n    type: keitaro\n    resource: stream\n    operation: create\n"
                "    retryOnFail: true\n    maxTries: 3\n    waitBetweenTries: 0\n"
                "    onError: continueRegularOutput\n"
                "    parameters: {streamData: {campaign_id: 1, type: regular, schema: redirect,\n"
                "                 action_type: http, name: '=relay {{ $json.n }}'}}\n"
            )
            creds = Credentials(emu.url, key)
            result = await run_workflow(load_workflow(text=text), credentials=creds, environ={})
            async with KeitaroNode(creds) as node:
                streams = await node.execute(
                    resource="stream", operation="getAll", parameters={"campaignId": 1}
                )
            names = [s["name"] for s in streams[0]["json"]["data"]]
        return result, names

    result, names = asyncio.run(go())
    relays = [n for n in names if n.startswith("relay ")]
    assert len(relays) == len(set(relays)), "a stream was created twice"
    assert len(set(relays)) == 30  # each was applied once, even those whose answer was lost
    unsure = [i for i in result.items if i["json"].get("success") is False]
    assert unsure and result.failed == len(unsure)
    for item in unsure:
        assert "may have been applied" in item["json"]["error"]["description"]


def test_an_injected_transport_carries_every_request(credentials: Credentials) -> None:
    """``KeitaroNode(transport=…)``: anything with ``send`` and ``close``; here the real aiohttp
    transport behind a wrapper that records each request, over loopback to the emulator."""
    from keitaro_node.core.http import AiohttpTransport, HttpRequest, RawResponse

    class Recording:
        def __init__(self) -> None:
            self.inner = AiohttpTransport()
            self.sent: list[str] = []

        async def send(self, request: HttpRequest) -> RawResponse:
            self.sent.append(f"{request.method} {request.url.split('/admin_api/v1')[1]}")
            return await self.inner.send(request)

        async def close(self) -> None:
            await self.inner.close()

    async def go() -> tuple[list[str], int]:
        transport = Recording()
        try:
            node = KeitaroNode(credentials, transport=transport)
            out = await node.execute(
                [{"json": {"id": 1}}, {"json": {"id": 2}}],
                resource="campaign",
                operation="get",
                parameters=lambda js, i: {"campaignId": js["id"]},
            )
            return transport.sent, len(out)
        finally:
            await transport.close()

    sent, count = asyncio.run(go())
    assert count == 2
    assert sorted(sent) == ["GET /campaigns/1", "GET /campaigns/2"]


def test_a_workflow_run_opens_one_session_for_all_its_keitaro_nodes(
    credentials: Credentials, monkeypatch: pytest.MonkeyPatch
) -> None:
    from keitaro_node.core import http

    opened: list[object] = []
    original = http.AiohttpTransport.__init__

    def counting(self: http.AiohttpTransport, **kwargs: Any) -> None:
        opened.append(self)
        original(self, **kwargs)

    monkeypatch.setattr(http.AiohttpTransport, "__init__", counting)
    text = (
        "name: two nodes\n"
        "nodes:\n"
        "  - {name: Campaigns, type: keitaro, resource: campaign, operation: getAll, split: true}\n"
        "  - {name: Each, type: keitaro, resource: campaign, operation: get,\n"
        "     parameters: {campaignId: '={{ $json.id }}'}, retryOnFail: true}\n"
        "  - {name: Offers, type: keitaro, resource: offer, operation: getAll}\n"
        "connections: {Campaigns: [Each], Each: [Offers]}\n"
    )
    result = asyncio.run(
        run_workflow(load_workflow(text=text), credentials=credentials, environ={})
    )
    assert result.order == ["Campaigns", "Each", "Offers"]
    assert len(opened) == 1


@pytest.mark.parametrize(("on_error", "runs"), [("stopWorkflow", 3), ("continueRegularOutput", 1)])
def test_retry_on_fail_runs_a_stopped_node_again_whole(on_error: str, runs: int) -> None:
    """As n8n: a node type that does not retry item by item runs again whole while it stops
    (n8n retries what throws; a node that continues on fail does not throw)."""
    from keitaro_node.workflows import Runner, WorkflowError

    doc = export("n8n-nodes-base.code", 2, {"jsCode": "throw new Error('broken')"}, on_error)
    doc["nodes"][2] |= {"retryOnFail": True, "maxTries": 3, "waitBetweenTries": 100}
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    runner = Runner(import_n8n(doc), None, environ={}, sleep=sleep)
    if runs == 1:
        assert asyncio.run(runner.run()).failed == 1
    else:
        with pytest.raises((NodeFailed, WorkflowError), match="broken"):
            asyncio.run(runner.run())
    assert waits == [0.1] * (runs - 1)
