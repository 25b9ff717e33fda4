"""What went wrong with real n8n exports before (issue 12's "Why"), one test each: a Sticky
Note, Set 3.0-3.2's fields, Set 3.4's types, Split Out on a single value or a missing field,
the common core nodes, and export-n8n dropping nothing silently."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest

from keitaro_node.embedded import run_workflow
from keitaro_node.n8n import export_n8n, import_n8n
from keitaro_node.workflows import NodeFailed, WorkflowError, load_workflow

from .conftest import ROOT


def _run(nodes: list[dict[str, Any]], data: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Run n8n nodes after a trigger and a Code node giving ``data``; each node's json items."""
    code = {
        "name": "Data",
        "type": "n8n-nodes-base.code",
        "typeVersion": 2,
        "parameters": {"jsCode": "return " + json.dumps(data) + ";"},
    }
    trigger = {
        "name": "Go",
        "type": "n8n-nodes-base.manualTrigger",
        "typeVersion": 1,
        "parameters": {},
    }
    doc = {
        "name": "t",
        "nodes": [trigger, code, *nodes],
        "connections": {
            "Go": {"main": [[{"node": "Data", "type": "main", "index": 0}]]},
            "Data": {
                "main": [
                    [
                        {"node": n["name"], "type": "main", "index": 0}
                        for n in nodes
                        if n["type"] != "n8n-nodes-base.stickyNote"
                    ]
                ]
            },
        },
    }
    result = asyncio.run(run_workflow(import_n8n(doc), environ={}))
    out = {name: [i["json"] for i in run.items] for name, run in result.runs.items()}
    out["warnings"] = result.warnings
    return out


def test_a_sticky_note_does_not_stop_an_export() -> None:
    note = {
        "name": "Note",
        "type": "n8n-nodes-base.stickyNote",
        "typeVersion": 1,
        "parameters": {"content": "## read me"},
    }
    keep = {"name": "Keep", "type": "n8n-nodes-base.noOp", "typeVersion": 1, "parameters": {}}
    assert _run([note, keep], [{"a": 1}])["Keep"] == [{"a": 1}]


def test_set_3_2_fields_are_not_dropped() -> None:
    node = {
        "name": "Set",
        "type": "n8n-nodes-base.set",
        "typeVersion": 3.2,
        "parameters": {
            "fields": {
                "values": [
                    {"name": "greeting", "stringValue": "=hi {{ $json.who }}"},
                    {"name": "n", "type": "numberValue", "numberValue": "={{ $json.k }}"},
                ]
            },
            "include": "none",
            "options": {},
        },
    }
    assert _run([node], [{"who": "Ann", "k": "7"}])["Set"] == [{"greeting": "hi Ann", "n": 7}]


def test_set_3_4_honours_each_assignments_type() -> None:
    node = {
        "name": "Set",
        "type": "n8n-nodes-base.set",
        "typeVersion": 3.4,
        "parameters": {
            "assignments": {
                "assignments": [
                    {"id": "1", "name": "answer", "value": "=42", "type": "number"},
                    {"id": "2", "name": "on", "value": "true", "type": "boolean"},
                    {"id": "3", "name": "list", "value": "[1, 2]", "type": "array"},
                ]
            },
            "options": {},
        },
    }
    assert _run([node], [{}])["Set"] == [{"answer": 42, "on": True, "list": [1, 2]}]


def test_set_3_4_refuses_what_does_not_convert() -> None:
    node = {
        "name": "Set",
        "type": "n8n-nodes-base.set",
        "typeVersion": 3.4,
        "parameters": {
            "assignments": {
                "assignments": [{"id": "1", "name": "n", "value": "abc", "type": "number"}]
            },
            "options": {},
        },
    }
    with pytest.raises(NodeFailed, match="'n' expects a number but we got 'abc'"):
        _run([node], [{}])


def test_split_out_a_single_value_and_a_missing_field() -> None:
    single = {
        "name": "One",
        "type": "n8n-nodes-base.splitOut",
        "typeVersion": 1,
        "parameters": {"fieldToSplitOut": "tag", "options": {}},
    }
    missing = {
        "name": "None",
        "type": "n8n-nodes-base.splitOut",
        "typeVersion": 1,
        "parameters": {"fieldToSplitOut": "nope", "options": {}},
    }
    out = _run([single, missing], [{"tag": "x"}])
    assert out["One"] == [{"tag": "x"}]
    assert out["None"] == []
    assert any("'nope'" in w for w in out["warnings"])  # said, not silent


def test_the_core_nodes_run() -> None:
    data = [{"n": 3}, {"n": 1}, {"n": 2}, {"n": 2}]
    nodes = [
        {
            "name": "Sort",
            "type": "n8n-nodes-base.sort",
            "typeVersion": 1,
            "parameters": {"sortFieldsUi": {"sortField": [{"fieldName": "n"}]}, "options": {}},
        },
        {
            "name": "Limit",
            "type": "n8n-nodes-base.limit",
            "typeVersion": 1,
            "parameters": {"maxItems": 2},
        },
        {
            "name": "Dedupe",
            "type": "n8n-nodes-base.removeDuplicates",
            "typeVersion": 2,
            "parameters": {},
        },
        {
            "name": "Sum",
            "type": "n8n-nodes-base.summarize",
            "typeVersion": 1.1,
            "parameters": {
                "fieldsToSummarize": {"values": [{"aggregation": "sum", "field": "n"}]},
                "options": {},
            },
        },
    ]
    out = _run(nodes, data)
    assert out["Sort"] == [{"n": 1}, {"n": 2}, {"n": 2}, {"n": 3}]
    assert out["Limit"] == [{"n": 3}, {"n": 1}]
    assert out["Dedupe"] == [{"n": 3}, {"n": 1}, {"n": 2}]
    assert out["Sum"] == [{"sum_n": 8}]


def test_other_node_types_are_refused_before_anything_runs() -> None:
    doc = {
        "nodes": [
            {"name": "Mail", "type": "n8n-nodes-base.emailSend"},
            {
                "name": "Py",
                "type": "n8n-nodes-base.code",
                "parameters": {"language": "python", "pythonCode": "return []"},
            },
        ],
        "connections": {},
    }
    with pytest.raises(WorkflowError, match=re.escape("'Mail' (n8n-nodes-base.emailSend)")):
        import_n8n(doc)


def test_python_code_is_refused_clearly() -> None:
    doc = {
        "nodes": [
            {
                "name": "Py",
                "type": "n8n-nodes-base.code",
                "typeVersion": 2,
                "parameters": {"language": "python", "pythonCode": "return []"},
            }
        ],
        "connections": {},
    }
    with pytest.raises(WorkflowError, match="Code nodes in python are not supported"):
        import_n8n(doc)


def test_export_drops_nothing_silently() -> None:
    warnings: list[str] = []
    doc = export_n8n(load_workflow(ROOT / "workflows" / "clicks-export.yaml"), warnings=warnings)
    assert any("streamTo" in w for w in warnings)
    clicks = next(n for n in doc["nodes"] if "keitaroNode" in n)
    assert clicks["keitaroNode"]["streamTo"] == "out/clicks.ndjson"


def test_an_export_in_n8ns_legacy_order_is_run_in_v1_order_and_says_so() -> None:
    doc: dict[str, Any] = {
        "nodes": [{"name": "Pass", "type": "n8n-nodes-base.noOp", "parameters": {}}],
        "connections": {},
    }
    legacy = asyncio.run(run_workflow(import_n8n(doc), environ={}))
    assert any("executionOrder is not set" in w for w in legacy.warnings)
    current = asyncio.run(
        run_workflow(import_n8n({**doc, "settings": {"executionOrder": "v1"}}), environ={})
    )
    assert not current.warnings


def test_an_older_export_starting_at_a_start_node_runs() -> None:
    doc: dict[str, Any] = {
        "nodes": [
            {"name": "Start", "type": "n8n-nodes-base.start", "typeVersion": 1, "parameters": {}},
            {"name": "Pass", "type": "n8n-nodes-base.noOp", "typeVersion": 1, "parameters": {}},
        ],
        "connections": {"Start": {"main": [[{"node": "Pass", "type": "main", "index": 0}]]}},
        "settings": {"executionOrder": "v1"},
    }
    result = asyncio.run(run_workflow(import_n8n(doc), environ={}))
    assert [i["json"] for i in result.items] == [{}]


def test_pinned_data_is_used_only_when_asked_for() -> None:
    doc: dict[str, Any] = {
        "nodes": [
            {
                "name": "Data",
                "type": "n8n-nodes-base.code",
                "typeVersion": 2,
                "parameters": {"jsCode": "return [{n: 1}];"},
            },
            {"name": "Pass", "type": "n8n-nodes-base.noOp", "typeVersion": 1, "parameters": {}},
        ],
        "connections": {"Data": {"main": [[{"node": "Pass", "type": "main", "index": 0}]]}},
        "pinData": {"Data": [{"json": {"n": 7}}, {"json": {"n": 8}}]},
        "settings": {"executionOrder": "v1"},
    }
    ran = asyncio.run(run_workflow(import_n8n(doc), environ={}))
    assert [i["json"] for i in ran.items] == [{"n": 1}]
    pinned = asyncio.run(run_workflow(import_n8n(doc), environ={}, pinned=True))
    assert [i["json"] for i in pinned.items] == [{"n": 7}, {"n": 8}]


def test_function_and_item_lists_nodes_round_trip(tmp_path: Any) -> None:
    """The node types of older exports are written back as the n8n nodes they came from."""
    source = tmp_path / "older.yaml"
    source.write_text(
        "name: older nodes\n"
        "nodes:\n"
        "  - name: Rows\n"
        "    type: items\n"
        "    items: [{n: 1}, {n: 2}, {n: 3}]\n"
        "  - name: Double\n"
        "    type: function\n"
        "    each: true\n"
        "    functionCode: 'item.n = item.n * 2; return item;'\n"
        "  - name: Last two\n"
        "    type: itemLists\n"
        "    typeVersion: 3.1\n"
        "    parameters: {operation: limit, maxItems: 2, keep: lastItems}\n",
        encoding="utf-8",
    )
    yaml_wf = load_workflow(source)
    exported = json.loads(json.dumps(export_n8n(yaml_wf)))
    types = {n["name"]: n["type"] for n in exported["nodes"]}
    assert types["Double"] == "n8n-nodes-base.functionItem"
    assert types["Last two"] == "n8n-nodes-base.itemLists"
    first = asyncio.run(run_workflow(yaml_wf, environ={}))
    second = asyncio.run(run_workflow(import_n8n(exported), environ={}))
    assert (
        [i["json"] for i in first.items]
        == [i["json"] for i in second.items]
        == [
            {"n": 4},
            {"n": 6},
        ]
    )


def test_parameters_of_an_unexpected_shape_fail_the_node_not_the_program() -> None:
    merge = {
        "name": "M",
        "type": "n8n-nodes-base.merge",
        "typeVersion": 3,
        "parameters": {"mode": "combine", "advanced": True, "mergeByFields": "oops"},
    }
    with pytest.raises(NodeFailed, match="not of the shape this node type reads"):
        _run([merge], [{"a": 1}])
    merge["onError"] = "continueRegularOutput"
    assert _run([merge], [{"a": 1}])["M"] == [{"a": 1}]  # n8n: a failed node passes its input on
