"""The HTTP Request node beyond its n8n pins (tests/n8n_nodes/workflows/http-*.json): what it
does where n8n's behaviour is not pinned, against the pins' local server on loopback."""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

import pytest

from keitaro_node.n8n import load_n8n
from keitaro_node.workflows import NodeFailed, WorkflowError, run_workflow

from .n8n_nodes.remote import serving


def export(url: str, version: float = 4.2, **parameters: Any) -> str:
    nodes = [
        {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1,
         "position": [0, 0], "parameters": {}},
        {"name": "Call", "type": "n8n-nodes-base.httpRequest", "typeVersion": version,
         "position": [200, 0], "parameters": {"url": url, "options": {}, **parameters}},
    ]  # fmt: skip
    connections = {"Start": {"main": [[{"node": "Call", "type": "main", "index": 0}]]}}
    return json.dumps({"name": "http", "nodes": nodes, "connections": connections})


def call(text: str, tmp_path: Any) -> list[dict[str, Any]]:
    path = tmp_path / "flow.json"
    path.write_text(text, encoding="utf-8")
    result = asyncio.run(run_workflow(load_n8n(path), environ={}))
    return [item["json"] for item in result.runs["Call"].items]


def test_a_refused_connection_stops_with_n8ns_message(tmp_path: Any) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(NodeFailed) as stopped:
        call(export(f"http://127.0.0.1:{port}/x"), tmp_path)
    assert stopped.value.reason == "The service refused the connection - perhaps it is offline"


def test_scalars_in_an_answer_become_objects(tmp_path: Any) -> None:
    """n8n would emit items whose json is a number (which its later nodes cannot read): here
    each is an object under ``data``, as text answers are."""
    with serving() as url:
        assert call(export(f"{url}/scalars"), tmp_path) == [
            {"data": 1},
            {"data": "two"},
            {"data": None},
        ]
        assert call(export(f"{url}/number"), tmp_path) == [{"data": 42}]


def test_redirect_loops_end(tmp_path: Any) -> None:
    with serving() as url, pytest.raises(NodeFailed, match="Maximum number of redirects"):
        call(
            export(f"{url}/loop", options={"redirect": {"redirect": {"maxRedirects": 3}}}), tmp_path
        )


@pytest.mark.parametrize(
    ("version", "parameters", "problem"),
    [
        (2, {}, "HTTP Request version 2 is not supported"),
        (
            4.2,
            {"authentication": "genericCredentialType", "genericAuthType": "httpDigestAuth"},
            "httpDigestAuth is not supported yet",
        ),
        (4.2, {"authentication": "predefinedCredentialType"}, "is not supported yet"),
    ],
)
def test_what_is_not_supported_is_refused_before_running(
    tmp_path: Any, version: float, parameters: dict[str, Any], problem: str
) -> None:
    path = tmp_path / "flow.json"
    path.write_text(export("http://127.0.0.1:1/x", version, **parameters), encoding="utf-8")
    with pytest.raises(WorkflowError, match=problem):
        load_n8n(path)


def test_a_disabled_node_of_a_type_not_supported_passes_its_input(tmp_path: Any) -> None:
    """n8n runs a disabled node as a pass-through: a disabled Slack node in a chain no
    longer blocks the import."""
    with serving() as url:
        doc = json.loads(export(f"{url}/array"))
        doc["nodes"].append(
            {"name": "Tell", "type": "n8n-nodes-base.slack", "typeVersion": 2.3,
             "position": [400, 0], "parameters": {"text": "hi"}, "disabled": True}
        )  # fmt: skip
        doc["connections"]["Call"] = {"main": [[{"node": "Tell", "type": "main", "index": 0}]]}
        path = tmp_path / "flow.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        result = asyncio.run(run_workflow(load_n8n(path), environ={}))
    assert [i["json"] for i in result.items] == [{"id": 1}, {"id": 2}, {"id": 3}]
    doc["nodes"][-1]["disabled"] = False
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(WorkflowError, match="unsupported n8n node type"):
        load_n8n(path)


def test_cli_sends_named_credentials_from_the_file_and_masks_them(tmp_path: Any) -> None:
    """``--credentials FILE`` holds credentials by n8n type and name (secrets from the
    environment); the node picks its own by name, and the secret is masked in the output even
    when the remote side echoes it back."""
    import os
    import subprocess
    import sys

    from .conftest import ROOT

    with serving() as url:
        doc = json.loads(
            export(f"{url}/echo", authentication="genericCredentialType",
                   genericAuthType="httpHeaderAuth")
        )  # fmt: skip
        doc["nodes"][1]["credentials"] = {"httpHeaderAuth": {"id": "7", "name": "Bot"}}
        (tmp_path / "flow.json").write_text(json.dumps(doc), encoding="utf-8")
        creds = "httpHeaderAuth:\n  Bot: {name: X-Api-Key, value: '${BOT_TOKEN}'}\n"
        creds += "  Other: {name: X-Api-Key, value: wrong}\n"
        (tmp_path / "creds.yaml").write_text(creds, encoding="utf-8")
        env = {**os.environ, "BOT_TOKEN": "secret-bot-token-42", "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [sys.executable, "-m", "keitaro_node.cli", "run", "flow.json",
             "--credentials", "creds.yaml", "--quiet", "--format", "json"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (echo,) = json.loads(done.stdout)
    assert echo["key"] == "***" and "secret-bot-token-42" not in done.stdout


def test_crypto_generates_what_n8n_would(tmp_path: Any) -> None:
    """Generated values are random (not pinned): their shapes are n8n's."""
    import re as regex

    nodes = [
        {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1,
         "position": [0, 0], "parameters": {}},
        {"name": "Call", "type": "n8n-nodes-base.crypto", "typeVersion": 1,
         "position": [200, 0], "parameters": {"action": "generate", "dataPropertyName": "id"}},
        {"name": "Hex", "type": "n8n-nodes-base.crypto", "typeVersion": 1, "position": [400, 0],
         "parameters": {"action": "generate", "encodingType": "hex", "stringLength": 10,
                        "dataPropertyName": "hex"}},
    ]  # fmt: skip
    connections = {
        "Start": {"main": [[{"node": "Call", "type": "main", "index": 0}]]},
        "Call": {"main": [[{"node": "Hex", "type": "main", "index": 0}]]},
    }
    path = tmp_path / "flow.json"
    path.write_text(json.dumps({"name": "c", "nodes": nodes, "connections": connections}))
    result = asyncio.run(run_workflow(load_n8n(path), environ={}))
    (item,) = [i["json"] for i in result.items]
    assert regex.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", item["id"]
    )
    assert regex.fullmatch(r"[0-9a-f]{10}", item["hex"])


def test_the_keitaro_credential_calls_an_admin_api_path(tmp_path: Any, emulator: Any) -> None:
    """HTTP Request with the Keitaro credential (n8n's predefined credential type): the
    tracker's key in the Api-Key header, never in the output."""
    from keitaro_node.model import Credentials

    from .conftest import CANARY

    text = export(
        f"{emulator.url}/admin_api/v1/campaigns",
        authentication="predefinedCredentialType",
        nodeCredentialType="keitaroApi",
    )
    path = tmp_path / "flow.json"
    path.write_text(text, encoding="utf-8")
    tracker = Credentials(emulator.url, CANARY)
    result = asyncio.run(run_workflow(load_n8n(path), environ={}, credentials=tracker))
    names = [item["json"]["name"] for item in result.runs["Call"].items]
    assert names[:2] == ["Demo Facebook", "Demo Google"]
    assert CANARY not in json.dumps([i["json"] for i in result.items])
    other = export("http://127.0.0.1:1/", authentication="predefinedCredentialType",
                   nodeCredentialType="slackApi")  # fmt: skip
    path.write_text(other, encoding="utf-8")
    with pytest.raises(WorkflowError, match="the slackApi credential is not supported yet"):
        load_n8n(path)
