"""Every example in workflows/ runs and matches its expected result; invalid workflows are explained."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from keitaro_node.cli import main
from keitaro_node.embedded import run_workflow
from keitaro_node.n8n import export_n8n, import_n8n, load_n8n
from keitaro_node.workflows import NodeFailed, WorkflowError, load_workflow

from .conftest import ROOT

WORKFLOWS = ROOT / "workflows"
EXAMPLES = sorted(p for p in WORKFLOWS.iterdir() if p.suffix in (".yaml", ".json"))
MATCHERS = {
    "<str>": lambda v: isinstance(v, str) and v != "",
    "<int>": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "<number>": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "<date>": lambda v: isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) is not None,
    "<datetime>": lambda v: (
        isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", v) is not None
    ),
    "<any>": lambda v: True,
}


def matches(actual: Any, wanted: Any) -> bool:
    if isinstance(wanted, str) and wanted in MATCHERS:
        return MATCHERS[wanted](actual)
    if isinstance(wanted, dict):
        return (
            isinstance(actual, dict)
            and set(actual) == set(wanted)
            and all(matches(actual[k], v) for k, v in wanted.items())
        )
    if isinstance(wanted, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(wanted)
            and all(matches(a, w) for a, w in zip(actual, wanted, strict=True))
        )
    return bool(actual == wanted)


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def read_file(path: Path, fmt: str) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8")
    if fmt == "ndjson":
        return [json.loads(line) for line in text.splitlines()]
    return list(csv.DictReader(io.StringIO(text)))


def test_there_are_at_least_six_examples_and_one_is_n8n() -> None:
    assert len(EXAMPLES) >= 6
    assert any(p.suffix == ".json" for p in EXAMPLES)
    for path in EXAMPLES:
        assert (WORKFLOWS / "expected" / f"{path.stem}.json").exists(), (
            f"{path.name} has no expected result"
        )


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_matches_expected(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = json.loads(
        (WORKFLOWS / "expected" / f"{path.stem}.json").read_text(encoding="utf-8")
    )
    copy = tmp_path / "workflows"  # outputs go beside the workflow: run a copy
    shutil.copytree(WORKFLOWS, copy, ignore=shutil.ignore_patterns("out"))
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("run", str(copy / path.name), "--quiet", *expected.get("args", []))
    assert code == expected["exit"], err
    items = json.loads(out)
    if "items" in expected:
        assert matches(items, expected["items"]), json.dumps(items, ensure_ascii=False)[:2000]
    if "count" in expected:
        assert len(items) == expected["count"]
    if "each" in expected:
        assert items, "the report is not empty"
        bad = [i for i in items if not matches(i, expected["each"])]
        assert not bad, bad[:3]
    if "sorted_by" in expected:
        keys = [tuple(i[k] for k in expected["sorted_by"]) for i in items]
        assert keys == sorted(keys)
    for name, spec in expected.get("files", {}).items():
        rows = read_file(copy / name, spec["format"])
        assert len(rows) == spec.get("count", len(items))
        if "each" in spec:
            assert all(matches(r, spec["each"]) for r in rows)
        elif spec["format"] == "ndjson":
            assert rows == items


def test_csv_output_flattens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, _ = run_cli(
        "run",
        str(WORKFLOWS / "quickstart.yaml"),
        "--quiet",
        "--set",
        "Summary.keepOnlySet=false",
        "--output",
        "out.csv",
    )
    assert code == 0
    rows = list(csv.DictReader((tmp_path / "out.csv").open(encoding="utf-8")))
    assert len(rows) == 3
    assert rows[0]["campaign"] == "Demo Facebook"
    assert rows[0]["uniqueness_use_cookies"] == "true"  # booleans
    assert rows[0]["parameters"] in ("", "{}")  # an empty object is one cell


def invalid(text: str, tmp_path: Path) -> str:
    path = tmp_path / "wf.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(WorkflowError) as err:
        load_and_run(path)
    return str(err.value)


def load_and_run(path: Path) -> None:
    asyncio.run(run_workflow(load_workflow(path), environ={}))


BASE = "name: t\ncredentials:\n  emulator: {seed: empty}\nnodes:\n"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("name: [unclosed\n", "wf.yaml:2: not valid YAML: expected ',' or ']'"),
        ("- a list\n", "wf.yaml:1: a workflow is a mapping"),
        (
            BASE + "  - {name: A, type: teleport}\n",
            "wf.yaml:5: $.nodes[0].type: unknown node type 'teleport'",
        ),
        (
            BASE + "  - {name: A, type: keitaro, resource: campaign}\n",
            "wf.yaml:5: $.nodes[0]: 'operation' is a required property",
        ),
        (
            "name: t\nnodes:\n  - {name: A, type: keitaro, resource: campaign, operation: getAll}\n",
            "no credentials: add 'credentials:'",
        ),
        (
            "name: t\ncredentials: {domain: 'https://t.example', apiKey: '${NOPE_KEY}'}\nnodes:\n"
            "  - {name: A, type: keitaro, resource: campaign, operation: getAll}\n",
            "credentials.apiKey: environment variable NOPE_KEY is not set",
        ),
        (
            "name: t\ncredentials: {domain: x}\nnodes:\n  - {name: A, type: noop}\n",
            "wf.yaml:2: $.credentials: credentials: 'apiKey' is a required property",
        ),
        (
            BASE
            + "  - {name: A, type: noop}\n  - {name: B, type: noop}\nconnections:\n  A: [B]\n  B: [A]\n",
            "the connections form a cycle with no node that can end it (Loop Over Items, If, "
            "Switch, Filter): A -> B -> A",
        ),
        (BASE + "  - {name: A, type: noop}\nconnections:\n  A: [Z]\n", "unknown node 'Z'"),
        (
            BASE + "  - {name: A, type: noop}\n  - {name: A, type: noop}\n",
            "wf.yaml:6: $.nodes[1].name: node name 'A' is used twice",
        ),
        (
            BASE + "  - name: A\n    type: keitaro\n    resource: campaign\n    operation: get\n"
            "    parameters:\n      campaignId: '={{ $json.id * }}'\n",
            "wf.yaml:10: $.nodes[0].parameters.campaignId: expression '={{ $json.id * }}': invalid syntax",
        ),
        (
            BASE + "  - name: A\n    type: keitaro\n    resource: campaign\n    operation: getAll\n"
            "    parameters:\n      limit: ten\n",
            "wf.yaml:10: $.nodes[0].parameters.limit: Лимит (limit): must be of type integer, got string",
        ),
        (
            BASE + "  - name: A\n    type: keitaro\n    resource: campaign\n    operation: getAll\n"
            "    parameters:\n      colour: red\n",
            "campaign:getAll: unknown parameter(s) 'colour'",
        ),
        (
            BASE + "  - {name: A, type: keitaro, resource: stats, operation: create}\n",
            "wf.yaml:5: $.nodes[0].operation: resource 'stats' (Статистика) has no operation 'create'",
        ),
        (
            BASE + "  - {name: A, type: filter, condition: 'no equals sign'}\n",
            "does not match '^='",
        ),
    ],
)
def test_invalid_workflows_are_located(text: str, words: str, tmp_path: Path) -> None:
    message = invalid(text, tmp_path)
    assert words in message, message


def test_every_problem_is_listed(tmp_path: Path) -> None:
    message = invalid(
        BASE + "  - {name: A, type: teleport}\n  - {name: B, type: split}\n", tmp_path
    )
    assert "unknown node type 'teleport'" in message
    assert "'field' is a required property" in message


def test_stop_workflow_names_node_and_item(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "wf.yaml"
    path.write_text(
        BASE + "  - {name: Get, type: keitaro, resource: campaign, operation: get, "
        "parameters: {campaignId: 77}}\n",
        encoding="utf-8",
    )
    code, _, err = run_cli("run", str(path), "--quiet")
    assert code == 3
    assert "node 'Get', item 0: The resource you are requesting could not be found" in err


def normalise(items: list[dict[str, Any]]) -> str:
    return re.sub(r"127\.0\.0\.1:\d+", "HOST", json.dumps(items, sort_keys=True))


YAML_EXAMPLES = [p for p in EXAMPLES if p.suffix == ".yaml"]


@pytest.mark.parametrize("source", YAML_EXAMPLES, ids=[p.name for p in YAML_EXAMPLES])
def test_every_example_round_trips_through_n8n(source: Path) -> None:
    """YAML -> n8n JSON -> run gives the same items; what n8n cannot express is a warning."""
    yaml_wf = load_workflow(source)
    warnings: list[str] = []
    exported = json.loads(json.dumps(export_n8n(yaml_wf, warnings=warnings)))
    assert "emulator" not in json.dumps(exported)
    for node in exported["nodes"]:
        if node["type"] == "n8n-nodes-keitaro.keitaro":
            assert node["credentials"] == {"keitaroApi": {"id": "1", "name": "Keitaro account"}}
        assert node["type"].startswith("n8n-nodes-"), node
    kept = [n["name"] for n in exported["nodes"] if "keitaroNode" in n]
    assert sorted({w.split(":")[0] for w in warnings}) == sorted(kept)
    imported = import_n8n(exported, str(source))
    first = asyncio.run(run_workflow(yaml_wf, environ={}))
    second = asyncio.run(
        run_workflow(replace(imported, credentials=yaml_wf.credentials), environ={})
    )
    assert normalise(first.items) == normalise(second.items)
    trigger = "When clicking ‘Execute workflow’"  # n8n starts a run at a trigger
    assert [n.name for n in imported.nodes] == [trigger, *(n.name for n in yaml_wf.nodes)]


def test_items_export_as_a_code_node_that_returns_them() -> None:
    yaml_wf = load_workflow(WORKFLOWS / "clone-and-enable.yaml")
    exported = export_n8n(yaml_wf)
    source = next(n for n in exported["nodes"] if n["name"] == "Source")
    assert source["type"] == "n8n-nodes-base.code" and "keitaroNode" not in source
    assert '"campaign_id": 3' in source["parameters"]["jsCode"]


def test_n8n_import_lists_unsupported_nodes() -> None:
    doc = {
        "nodes": [
            {"name": "Mail", "type": "n8n-nodes-base.emailSend"},
            {"name": "Bot", "type": "n8n-nodes-base.slack"},
            {"name": "Note", "type": "n8n-nodes-base.stickyNote"},
        ],
        "connections": {},
    }
    with pytest.raises(
        WorkflowError,
        match=re.escape(
            "unsupported n8n node type(s): 'Mail' (n8n-nodes-base.emailSend), "
            "'Bot' (n8n-nodes-base.slack); supported: "
        ),
    ):
        import_n8n(doc)


def test_n8n_defaults_fill_omitted_parameters() -> None:
    doc = {
        "name": "d",
        "nodes": [
            {
                "name": "K",
                "type": "n8n-nodes-keitaro.keitaro",
                "parameters": {"resource": "group", "operation": "getAll"},
            }
        ],
        "connections": {},
    }
    wf = import_n8n(doc)
    result = asyncio.run(
        run_workflow(
            __import__("dataclasses").replace(wf, credentials={"emulator": {"seed": "demo"}}),
            environ={},
        )
    )
    assert result.items[0]["json"]["request"]["url"].endswith("/groups?type=campaigns")


def test_retry_on_fail_resends_only_failed_items(tmp_path: Path) -> None:
    # A create the tracker refused before processing it (429) was never applied: the HTTP layer
    # tries it 4 times, then the node's retryOnFail sends the items that still failed again.
    text = (
        "name: r\ncredentials: {emulator: {seed: demo, clicks: 10,\n"
        "  faults: '429=0.7,retry_after=0,seed=3'}}\n"
        "nodes:\n"
        "  - {name: Rows, type: items, items: [{n: 1}, {n: 2}, {n: 3}, {n: 4}, {n: 5}, {n: 6}]}\n"
        "  - name: Save\n    type: keitaro\n    resource: stream\n    operation: create\n"
        "    retryOnFail: true\n    maxTries: 5\n    waitBetweenTries: 0\n"
        "    parameters: {streamData: {campaign_id: 1, type: regular, schema: redirect,\n"
        "                 action_type: http, name: '=s{{ $json.n }}'}}\n"
    )
    result = asyncio.run(run_workflow(load_workflow(text=text), environ={}))
    assert result.failed == 0
    assert [i["json"]["data"]["name"] for i in result.items] == [f"s{i}" for i in range(1, 7)]
    assert [i["pairedItem"]["item"] for i in result.items] == list(range(6))
    no_retries = load_workflow(text=text.replace("retryOnFail: true", "retryOnFail: false"))
    with pytest.raises(NodeFailed, match="node 'Save', item"):  # the faults do hit
        asyncio.run(run_workflow(no_retries, environ={}))


def test_progress_bar_only_on_a_terminal() -> None:
    from keitaro_node.cli import Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen, piped = Terminal(), io.StringIO()
    for stream in (screen, piped):
        bar = Progress(stream, enabled=True)
        for done in range(1, 41):
            bar("Save settings", done, 40)
    assert "Save settings" in screen.getvalue() and "40/40" in screen.getvalue()
    assert piped.getvalue() == ""


def test_nodes_not_connected_to_the_trigger_are_left_out_and_said_so() -> None:
    """n8n runs from a trigger and reaches only what is connected to it (75 real exports have
    a stray node); tests/n8n_nodes/workflows/stray-nodes.json pins n8n's manual run, which
    starts at the Manual Trigger (the second trigger's nodes run when it is served)."""
    path = Path(__file__).parent / "n8n_nodes" / "workflows" / "stray-nodes.json"
    workflow = load_n8n(path)
    kept = ["Start", "Connected", "Second trigger", "After the second trigger"]
    assert [n.name for n in workflow.nodes] == kept
    result = asyncio.run(run_workflow(workflow, environ={}))
    assert result.order == ["Start", "Connected"]
    assert any("'Stray' is not connected to the trigger 'Start'" in w for w in workflow.warnings)


def test_a_stopped_run_still_writes_every_node_that_ran(tmp_path: Path) -> None:
    """``--all-nodes`` after a stop (exit 3, the node and n8n's message): the nodes before it."""
    flow = Path(__file__).parent / "n8n_nodes" / "workflows" / "missing-node.json"
    written = tmp_path / "nodes.json"
    code, _, err = run_cli("run", str(flow), "--all-nodes", str(written), "--quiet")
    assert code == 3 and "node 'B', item 0: Referenced node doesn't exist" in err
    assert json.loads(written.read_text()) == {
        "Start": [{"json": {}}],
        "A": [{"json": {"x": "1"}, "pairedItem": {"item": 0}}],
    }


def test_import_errors_point_at_the_exports_own_nodes(tmp_path: Path) -> None:
    """A problem is located by the export's node index (sticky notes are not imported)."""
    nodes = [
        {"name": "Start", "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1,
         "position": [0, 0], "parameters": {}},
        {"name": "A", "type": "n8n-nodes-base.limit", "typeVersion": 1, "position": [200, 0],
         "parameters": {}},
        {"name": "K", "type": "n8n-nodes-keitaro.keitaro", "typeVersion": 1,
         "position": [400, 0],
         "parameters": {"resource": "campaign", "operation": "get", "campaignId": "x y"}},
    ]  # fmt: skip
    chain = {"Start": "A", "A": "K"}
    connections = {
        a: {"main": [[{"node": b, "type": "main", "index": 0}]]} for a, b in chain.items()
    }
    path = tmp_path / "flow.json"
    path.write_text(json.dumps({"name": "b", "nodes": nodes, "connections": connections}))
    with pytest.raises(WorkflowError, match=re.escape("$.nodes[2].parameters.campaignId")):
        load_n8n(path)


def test_two_trackers_in_one_workflow_by_name(tmp_path: Path) -> None:
    """Each Keitaro node names its tracker (``credentials: {keitaroApi: NAME}``) from a
    credentials file that holds several; each tracker gets its own node's request."""
    from keitaro_node import credentials
    from keitaro_node.emulator import Emulator

    with (
        Emulator.in_thread(api_key="main-key-0123456789", clicks=0) as main,
        Emulator.in_thread(api_key="test-key-0123456789", seed="empty") as test,
    ):
        (tmp_path / "creds.yaml").write_text(
            "keitaroApi:\n"
            f"  Main tracker: {{domain: '{main.url}', apiKey: '${{MAIN_KEY}}'}}\n"
            f"  Test tracker: {{domain: '{test.url}', apiKey: test-key-0123456789}}\n",
            encoding="utf-8",
        )
        doc = {
            "name": "two trackers",
            "nodes": [
                {"name": "Main", "type": "keitaro", "resource": "campaign",
                 "operation": "getAll", "credentials": {"keitaroApi": "Main tracker"}},
                {"name": "Test", "type": "keitaro", "resource": "campaign",
                 "operation": "getAll", "credentials": {"keitaroApi": "Test tracker"}},
            ],
        }  # fmt: skip
        workflow = replace(
            load_workflow(text=json.dumps(doc)),
            credentials=credentials.read_file(tmp_path / "creds.yaml"),
        )
        result = asyncio.run(run_workflow(workflow, environ={"MAIN_KEY": "main-key-0123456789"}))
    assert len(result.runs["Main"].items[0]["json"]["data"]) == 3  # the demo seed's campaigns
    assert result.runs["Test"].items[0]["json"]["data"] == []  # the empty seed has none
    assert main.journal.last().path == test.journal.last().path == "/admin_api/v1/campaigns"
