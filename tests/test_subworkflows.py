"""Sub-workflows: Execute Workflow finds a workflow by id or name beside the caller (YAML or
n8n JSON), reads one from a file inside the caller's folder only, stops a workflow that runs
itself, and does not wait when told not to. n8n's behaviour is pinned in
tests/n8n_nodes/workflows/sub-*.json."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from keitaro_node.embedded import run_workflow
from keitaro_node.workflows import NodeFailed, load_workflow

CHILD = """\
name: Price check
id: price-check
nodes:
  - {name: Called, type: executeWorkflowTrigger, typeVersion: 1.1, parameters: {inputSource: passthrough}}
  - name: Check
    type: code
    jsCode: "return $input.all().map(i => ({json: {offer: i.json.offer, ok: i.json.payout > 1}}));"
"""


def caller(call: str) -> str:
    return f"""\
name: Caller
nodes:
  - {{name: Offers, type: items, items: [{{offer: a, payout: 2}}, {{offer: b, payout: 0.5}}]}}
  - name: Call
    type: executeWorkflow
    typeVersion: 1.2
    parameters: {call}
"""


def test_a_yaml_workflow_calls_one_beside_it_by_name_or_id(tmp_path: Path) -> None:
    (tmp_path / "price-check.yaml").write_text(CHILD)
    for key in ("price-check", "Price check"):
        flow = tmp_path / "caller.yaml"
        flow.write_text(caller(f"{{workflowId: {{__rl: true, value: '{key}', mode: id}}}}"))
        result = asyncio.run(run_workflow(load_workflow(flow), environ={}))
        assert [i["json"] for i in result.items] == [
            {"offer": "a", "ok": True},
            {"offer": "b", "ok": False},
        ]


def test_a_file_outside_the_workflows_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "price-check.yaml").write_text(CHILD)
    inner = tmp_path / "flows"
    inner.mkdir()
    flow = inner / "caller.yaml"
    flow.write_text(caller("{source: localFile, workflowPath: ../price-check.yaml}"))
    with pytest.raises(Exception, match="outside"):
        asyncio.run(run_workflow(load_workflow(flow), environ={}))
    (inner / "price-check.yaml").write_text(CHILD)
    flow.write_text(caller("{source: localFile, workflowPath: price-check.yaml}"))
    result = asyncio.run(run_workflow(load_workflow(flow), environ={}))
    assert len(result.items) == 2


def test_a_workflow_that_runs_itself_stops(tmp_path: Path) -> None:
    flow = tmp_path / "again.yaml"
    flow.write_text(
        "name: Again\nid: again\nnodes:\n"
        "  - {name: Called, type: executeWorkflowTrigger}\n"
        "  - {name: Call, type: executeWorkflow, parameters: {workflowId: again}}\n"
    )
    with pytest.raises(NodeFailed, match="nested deeper than 20"):
        asyncio.run(run_workflow(load_workflow(flow), environ={}))


def test_without_waiting_the_input_goes_on_and_the_child_still_runs(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    (tmp_path / "writer.yaml").write_text(
        "name: Writer\nnodes:\n  - {name: Called, type: executeWorkflowTrigger}\n"
        f"  - {{name: Save, type: output, path: {out.name}}}\n"
    )
    flow = tmp_path / "caller.yaml"
    flow.write_text(caller("{workflowId: Writer, options: {waitForSubWorkflow: false}}"))
    result = asyncio.run(run_workflow(load_workflow(flow), environ={}))
    assert [i["json"]["offer"] for i in result.items] == ["a", "b"]
    assert out.exists()
