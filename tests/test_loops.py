"""Loops: Loop Over Items (Split In Batches 1–3) in n8n's v1 order, pinned against n8n in
tests/n8n_nodes/workflows/loop-*.json; here what n8n leaves open: a cycle nothing can end is
refused, a loop without a way out is stopped, and every run of a node in a loop is kept."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from keitaro_node.n8n import load_n8n
from keitaro_node.workflows import NodeFailed, WorkflowError, load_workflow, run_workflow
from keitaro_node.workflows import runner as runner_module

from .test_cli import run_cli

PINNED = Path(__file__).parent / "n8n_nodes" / "workflows"


def test_a_cycle_nothing_can_end_is_refused(tmp_path: Path) -> None:
    flow = tmp_path / "cycle.yaml"
    flow.write_text(
        "name: cycle\nnodes:\n  - {name: A, type: noop}\n  - {name: B, type: noop}\n"
        "connections:\n  A: [B]\n  B: [A]\n"
    )
    with pytest.raises(
        WorkflowError, match=r"a cycle with no node that can end it .*: A -> B -> A"
    ):
        load_workflow(flow)


def test_a_loop_without_a_way_out_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner_module, "MAX_NODE_RUNS", 50)
    flow = tmp_path / "endless.yaml"
    flow.write_text(
        "name: endless\nnodes:\n  - {name: Start, type: noop}\n"
        "  - name: Always\n    type: if\n    typeVersion: 2\n    parameters:\n"
        "      conditions:\n        conditions: [{leftValue: 1, rightValue: 1, operator: {type: number, operation: equals}}]\n"
        'connections:\n  Start: [Always]\n  Always: {"true": [Always]}\n'
    )
    with pytest.raises(NodeFailed, match="a loop without a way out") as stopped:
        asyncio.run(run_workflow(load_workflow(flow), environ={}))
    assert stopped.value.node == "Always"


def test_every_run_of_a_node_in_a_loop_is_written(tmp_path: Path) -> None:
    written = tmp_path / "nodes.json"
    code, _, err = run_cli(
        "run", str(PINNED / "loop-over-items.json"), "--all-nodes", str(written), "--quiet"
    )
    assert code == 0, err
    nodes = json.loads(written.read_text())
    assert [len(run) for run in nodes["Double"]["runs"]] == [2, 2, 1]
    assert [[i["json"]["n"] for i in run] for run in nodes["Double"]["runs"]] == [
        [1, 2],
        [3, 4],
        [5],
    ]
    assert len(nodes["Loop Over Items"]["runs"]) == 4
    assert nodes["Total"] == [{"json": {"count": 5, "total": 30}, "pairedItem": {"item": 0}}]


def test_a_loop_of_two_thousand_batches(tmp_path: Path) -> None:
    doc = json.loads((PINNED / "loop-over-items.json").read_text())
    doc["nodes"][1]["parameters"]["jsCode"] = (
        "return Array.from({length: 2000}, (_, n) => ({json: {n}}));"
    )
    path = tmp_path / "loop-2000.json"
    path.write_text(json.dumps(doc))
    result = asyncio.run(run_workflow(load_n8n(path), environ={}))
    assert result.items[-1]["json"] == {"count": 2000, "total": 2 * sum(range(2000))}
