"""The node types against n8n itself: each workflow in tests/n8n_nodes/workflows/ is this
project's own, and its pinData is what n8n 1.95 (n8n-core + n8n-nodes-base) produced for it
(regenerate: python -m tests.n8n_nodes.pins --oracle). Every pinned node must match."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .n8n_nodes.pins import STOPPED, WORKFLOWS, compare


def test_every_supported_node_type_is_covered() -> None:
    types = {
        node["type"]
        for path in WORKFLOWS
        for node in json.loads(path.read_text(encoding="utf-8"))["nodes"]
    }
    for kind in (
        "set",
        "if",
        "filter",
        "splitOut",
        "limit",
        "removeDuplicates",
        "code",
        "switch",
        "merge",
        "sort",
        "aggregate",
        "summarize",
        "function",
        "functionItem",
        "itemLists",
        "dateTime",
        "httpRequest",
        "stopAndError",
        "telegram",
        "renameKeys",
        "crypto",
    ):
        assert f"n8n-nodes-base.{kind}" in types, kind


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.stem for p in WORKFLOWS])
def test_nodes_give_n8ns_output(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["pinData"] or doc.get(STOPPED), "nothing pinned"
    problems = compare(path)
    assert not problems, "\n".join(problems)


def test_upstream_runner_reads_n8ns_test_harness_nodes(tmp_path: Path) -> None:
    """tests/n8n_nodes/upstream.py runs n8n's own test workflows: their testData nodes give
    items, and each pinned node is compared (a wrong pin is reported)."""
    from .n8n_nodes.upstream import compare as upstream

    doc = {
        "nodes": [
            {
                "name": "Go",
                "type": "n8n-nodes-base.manualTrigger",
                "typeVersion": 1,
                "parameters": {},
            },
            {
                "name": "Data",
                "type": "n8n-nodes-testing.testData",
                "typeVersion": 1,
                "parameters": {"data": [{"n": 1}, {"n": 2}, {"n": 3}]},
            },
            {
                "name": "Two",
                "type": "n8n-nodes-base.limit",
                "typeVersion": 1,
                "parameters": {"maxItems": 2},
            },
        ],
        "connections": {
            "Go": {"main": [[{"node": "Data", "type": "main", "index": 0}]]},
            "Data": {"main": [[{"node": "Two", "type": "main", "index": 0}]]},
        },
        "pinData": {"Two": [{"json": {"n": 1}}, {"json": {"n": 2}}]},
        "settings": {"executionOrder": "v1"},
    }
    good = tmp_path / "good.json"
    good.write_text(json.dumps(doc), encoding="utf-8")
    assert upstream(good, oracle=False) == (1, 1, [])
    doc["pinData"] = {"Two": [{"json": {"n": 3}}]}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    assert upstream(bad, oracle=False) == (0, 1, ["  Two: differs from the pin"])


def test_the_corpus_counter_reads_exports(capsys: pytest.CaptureFixture[str]) -> None:
    """tests/n8n_nodes/corpus.py (the README's public-collection figure) on our own pins."""
    import sys

    from .n8n_nodes import corpus

    folder = Path(__file__).parent / "n8n_nodes" / "workflows"
    found = corpus.exports(folder)
    assert len(found) == len(WORKFLOWS)
    argv = sys.argv
    sys.argv = ["corpus", str(folder)]
    try:
        corpus.main()
    finally:
        sys.argv = argv
    assert capsys.readouterr().out.startswith(f"{len(found)}/{len(found)} distinct exports")
