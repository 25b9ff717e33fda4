"""Bounds a stranger's workflow or request cannot cross: credentials out of `env:`, graphs of any
length, and an emulator that reads no body it has no reason to read and never answers 500."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from keitaro_node.emulator import Emulator
from keitaro_node.workflows import WorkflowError, load_workflow, run_workflow

from .conftest import CANARY


@pytest.mark.parametrize(
    ("env", "credentials"),
    [
        (["KEITARO_API_KEY"], None),
        (["KEITARO_POSTBACK_KEY"], None),
        (["MY_TRACKER_KEY"], {"domain": "http://127.0.0.1:1", "apiKey": "${MY_TRACKER_KEY}"}),
    ],
)
def test_credentials_cannot_be_listed_under_env(
    env: list[str], credentials: dict[str, str] | None
) -> None:
    doc = {"name": "leak", "env": env, "nodes": [{"name": "Out", "type": "noop"}]}
    if credentials:
        doc["credentials"] = credentials
    with pytest.raises(WorkflowError, match=f"{env[0]} holds a credential"):
        load_workflow(text=json.dumps(doc))


def test_a_chain_of_ten_thousand_nodes_validates_and_runs() -> None:
    nodes = [{"name": "N0", "type": "items", "items": [{"a": 1}]}]
    nodes += [{"name": f"N{i}", "type": "noop"} for i in range(1, 10_000)]
    workflow = load_workflow(text=json.dumps({"name": "chain", "nodes": nodes}))
    result = asyncio.run(run_workflow(workflow, environ={}))
    assert [item["json"] for item in result.items] == [{"a": 1}]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _post(url: str, body: bytes) -> int:
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (ConnectionError, urllib.error.URLError):
        return 0  # the server answered before reading all of it, and closed


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_unauthenticated_bodies_cost_the_emulator_no_memory(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "KEITARO_API_KEY": CANARY, "PB": "pb-secret-123"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "keitaro_node.cli",
            "emulator",
            "--port",
            str(port),
            "--seed",
            "empty",
            "--clicks",
            "0",
            "--api-key-env",
            "KEITARO_API_KEY",
            "--postback-key-env",
            "PB",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/admin_api/v1/campaigns", timeout=1)
            except urllib.error.HTTPError:
                break
            except (ConnectionError, urllib.error.URLError):
                time.sleep(0.1)
        before = _rss_kb(proc.pid)
        body = b'{"x": "' + b"a" * (30 * 1024 * 1024) + b'"}'
        for path in ("/nowhere", "/admin_api/v1/campaigns", "/wrong-key/postback") * 5:
            assert _post(url + path, body) in (0, 401, 404, 405)
        grown = _rss_kb(proc.pid) - before
        assert grown < 8 * 1024, f"the emulator grew by {grown} KB"
        with urllib.request.urlopen(url + "/pb-secret-123/postback?subid=x&status=sale") as ok:
            assert ok.status == 200
        request = urllib.request.Request(url + "/_emulator/journal", headers={"Api-Key": CANARY})
        with urllib.request.urlopen(request) as answer:
            journal = answer.read().decode()
        assert "pb-secret-123" not in journal and "/***/postback" in journal
        assert f'"size": {len(body)}' in journal  # kept: the size, not the body
    finally:
        proc.terminate()
        proc.wait(10)


def test_malformed_unicode_and_out_of_range_ids_are_no_500(emulator: Emulator) -> None:
    headers = {"Api-Key": CANARY, "Content-Type": "application/json"}
    body = b'{"name": "\\ud800"}'
    request = urllib.request.Request(
        emulator.url + "/admin_api/v1/campaigns", data=body, headers=headers, method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as bad:
        urllib.request.urlopen(request, timeout=10)
    assert bad.value.code == 400
    huge = urllib.request.Request(
        emulator.url + "/admin_api/v1/campaigns/99999999999999999999999999", headers=headers
    )
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(huge, timeout=10)
    assert missing.value.code == 404
    assert b"#99999999999999999999999999 not found" in missing.value.read()


def _run_cli(
    tmp_path: Path, workflow: dict[str, object], *args: str
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "wf.yaml").write_text(json.dumps(workflow))
    return subprocess.run(
        [sys.executable, "-m", "keitaro_node.cli", "run", "wf.yaml", "--quiet", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_cross_join_past_the_budget_is_refused_before_it_is_built(tmp_path: Path) -> None:
    rows = "return Array.from({length: 20000}, (_, i) => ({json: {i, pad: 'x'.repeat(100)}}))"
    workflow = {
        "name": "cross",
        "nodes": [
            {"name": "A", "type": "code", "jsCode": rows},
            {"name": "B", "type": "code", "jsCode": rows},
            {
                "name": "Join",
                "type": "merge",
                "typeVersion": 3,
                "parameters": {"mode": "combine", "combineBy": "combineAll"},
            },
        ],
        "connections": {"A": ["Join"], "B": [{"node": "Join", "input": 1}]},
    }
    started = time.monotonic()
    done = _run_cli(tmp_path, workflow)  # the default budget: 3/4 of the machine's memory
    assert done.returncode == 3, done.stderr
    assert "Join" in done.stderr and "400,000,000 items" in done.stderr
    assert "memory budget" in done.stderr and "Traceback" not in done.stderr
    assert time.monotonic() - started < 30


def test_a_run_past_its_memory_budget_stops_naming_the_node(tmp_path: Path) -> None:
    big = "return Array.from({length: 300}, (_, i) => ({json: {i, s: 'y'.repeat(1000000)}}))"
    workflow = {"name": "big", "nodes": [{"name": "Grow", "type": "code", "jsCode": big}]}
    done = _run_cli(tmp_path, workflow, "--max-memory", "200")
    assert done.returncode == 3, done.stderr
    assert "'Grow'" in done.stderr and "memory budget" in done.stderr


@pytest.mark.parametrize("reads_by_name", [False, True])
def test_released_outputs_change_no_result(reads_by_name: bool) -> None:
    label = "={{ $('Make').item.json.n * 10 }}" if reads_by_name else "={{ $json.n * 10 }}"
    workflow = load_workflow(
        text=json.dumps(
            {
                "name": "release",
                "nodes": [
                    {
                        "name": "Make",
                        "type": "code",
                        "jsCode": "return Array.from({length: 50}, (_, n) => ({json: {n}}))",
                    },
                    {"name": "Even", "type": "filter", "condition": "={{ $json.n % 2 === 0 }}"},
                    {"name": "Label", "type": "set", "fields": {"x": label}},
                ],
            }
        )
    )
    kept = asyncio.run(run_workflow(workflow, environ={}))
    released = asyncio.run(run_workflow(workflow, environ={}, keep_outputs=False))
    assert released.items == kept.items
    assert [i["json"]["x"] for i in released.items] == [n * 10 for n in range(0, 50, 2)]
    assert len(released.runs["Make"].items) == (50 if reads_by_name else 0)


def test_items_share_their_pairing_within_a_run_and_only_within_it() -> None:
    """pairedItem {"item": i} is one object per index in a run (a million items carry one set
    of them, not one per node); a node passing items on unchanged passes the same objects."""
    workflow = load_workflow(
        text=json.dumps(
            {
                "name": "pairing",
                "nodes": [
                    {
                        "name": "Make",
                        "type": "code",
                        "jsCode": "return Array.from({length: 6}, (_, n) => ({json: {n}}))",
                    },
                    {"name": "Double", "type": "set", "fields": {"n2": "={{ $json.n * 2 }}"}},
                    {"name": "All", "type": "filter", "condition": "={{ $json.n2 >= 0 }}"},
                    {
                        "name": "Back",
                        "type": "set",
                        "fields": {"m": "={{ $('Make').item.json.n }}"},
                    },
                ],
            }
        )
    )
    first = asyncio.run(run_workflow(workflow, environ={}))
    double, passed_on, back = (first.runs[n].items for n in ("Double", "All", "Back"))
    assert [i["json"] for i in back] == [{"m": n} for n in range(6)]
    assert all(a is b for a, b in zip(double, passed_on, strict=True))
    assert all(
        a["pairedItem"] is b["pairedItem"] == {"item": n}
        for n, (a, b) in enumerate(zip(double, back, strict=True))
    )
    again = asyncio.run(run_workflow(workflow, environ={}))
    assert all(
        a["pairedItem"] is not b["pairedItem"]
        for a, b in zip(back, again.runs["Back"].items, strict=True)
    )


def test_large_workflows_load_fast_and_errors_still_have_lines(tmp_path: Path) -> None:
    from keitaro_node.safe_yaml import parse_yaml

    rows = [{"n": i, "s": f"row {i}", "f": i / 3} for i in range(100_000)]
    doc = {"name": "big", "nodes": [{"name": "Rows", "type": "items", "items": rows}]}
    text = json.dumps(doc, indent=2)
    started = time.monotonic()
    workflow = load_workflow(text=text)
    assert time.monotonic() - started < 5 and len(workflow.nodes[0].get("items")) == 100_000
    small = json.dumps({"a": [1, 2.5, "x", None, True], "b": {"c": "NaN"}}, indent=1)
    import yaml

    assert parse_yaml(small) == yaml.safe_load(small)
    broken = json.dumps({**doc, "nodes": [{"name": "Rows", "type": "itemz"}]}, indent=2)
    with pytest.raises(WorkflowError, match=r"<workflow>:6: \$\.nodes\[0\]\.type: unknown"):
        load_workflow(text=broken)  # the line, looked for only when a problem needs it
