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
    ):
        assert f"n8n-nodes-base.{kind}" in types, kind


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.stem for p in WORKFLOWS])
def test_nodes_give_n8ns_output(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["pinData"] or doc.get(STOPPED), "nothing pinned"
    problems = compare(path)
    assert not problems, "\n".join(problems)
