"""Fuzzing with hypothesis: bad parameters, workflows and expressions never crash; every failure
is a clear error of ours (InputError and its kinds)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import threading
from typing import Any

import yaml
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keitaro_node import Credentials, InputError, KeitaroNode, Timeouts
from keitaro_node.cli import main
from keitaro_node.core.definition import load_definition
from keitaro_node.core.parameters import OperationInputs
from keitaro_node.core.planner import plan
from keitaro_node.core.policy import NO_RETRY
from keitaro_node.expressions import Context, ExpressionError, NodeRun, evaluate
from keitaro_node.workflows import WorkflowError, load_workflow

from .conftest import CANARY, ROOT

WORKFLOW_FILES = sorted((ROOT / "workflows").glob("*.yaml"))

DEFINITION = load_definition()
OPERATIONS = DEFINITION.operations()
INPUTS = {op.key: OperationInputs(op) for op in OPERATIONS}
NASTY = st.sampled_from(
    [
        "",
        " ",
        "../../etc/passwd",
        "'; DROP TABLE campaigns; --",
        "<script>alert(1)</script>",
        "={{ $json.a }}",
        "{{ 7*7 }}",
        "\x00",
        "ø∂ƒ©˙∆˚¬…æ",
        "Данные",
        "𝕂𝕖𝕚𝕥𝕒𝕣𝕠",
        "%2e%2e%2f",
        "1e309",
        "null",
        "true",
        "{}",
        "[]",
        '{"a":',
        "9" * 400,
        CANARY,
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**18, max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    NASTY,
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=8), NASTY), inner, max_size=4),
    ),
    max_leaves=12,
)


@st.composite
def parameters(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    op = draw(st.sampled_from(OPERATIONS))
    names = [p.name for p in op.properties] + ["bogus", "id"]
    raw = draw(st.dictionaries(st.sampled_from(names), VALUES, max_size=5))
    for prop in op.properties:  # sometimes a well-typed collection with fuzzed children
        if prop.options and draw(st.booleans()):
            raw[prop.name] = draw(
                st.dictionaries(st.sampled_from([c.name for c in prop.options]), VALUES, max_size=4)
            )
    return op.key, raw


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parameters())
def test_parameters_never_crash(case: tuple[str, dict[str, Any]]) -> None:
    key, raw = case
    inputs = INPUTS[key]
    try:
        params = inputs.prepare(raw)
    except InputError as exc:
        assert exc.message  # a clear error of ours, with a message  # noqa: PT017 - either outcome is valid
        return
    request = plan(inputs.op, params)
    assert request.path.startswith("/") and "{" not in request.path
    json.dumps(request.body)  # always serialisable


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(parameters())
def test_fuzzed_items_through_the_emulator(
    node: KeitaroNode, case: tuple[str, dict[str, Any]]
) -> None:
    key, raw = case
    resource, operation = key.split(":")
    out = node.execute_sync(
        [{"json": {}}],
        resource=resource,
        operation=operation,
        parameters=raw,
        continue_on_fail=True,
    )
    assert len(out) >= 1 or DEFINITION.operation(resource, operation).returns != "object"
    for item in out:
        assert item["pairedItem"] == {"item": 0}
        assert isinstance(item["json"]["success"], bool)
        if not item["json"]["success"]:
            assert item["json"]["error"]["message"]
    assert CANARY not in json.dumps(out)


NODE_TYPES = st.sampled_from(
    ["keitaro", "items", "split", "filter", "set", "noop", "output", "bogus", 5, None]
)
NODES = st.fixed_dictionaries(
    {"name": st.one_of(st.text(max_size=6), st.integers()), "type": NODE_TYPES},
    optional={
        "resource": st.sampled_from(["campaign", "stats", "nope", 3]),
        "operation": st.sampled_from(["get", "getAll", "create", "x"]),
        "parameters": st.dictionaries(st.text(max_size=10), VALUES, max_size=3),
        "field": st.text(max_size=5),
        "condition": st.one_of(st.text(max_size=12), NASTY),
        "fields": st.dictionaries(st.text(max_size=5), VALUES, max_size=3),
        "path": st.text(max_size=8),
        "onError": st.text(max_size=12),
        "maxTries": SCALARS,
    },
)
WORKFLOWS = st.fixed_dictionaries(
    {"name": st.one_of(st.text(max_size=10), st.integers()), "nodes": st.lists(NODES, max_size=4)},
    optional={
        "credentials": st.one_of(st.just({"emulator": {"seed": "demo"}}), VALUES),
        "connections": st.dictionaries(
            st.text(max_size=4), st.one_of(st.lists(st.text(max_size=4)), VALUES)
        ),
        "env": VALUES,
    },
)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(WORKFLOWS.map(lambda d: yaml.safe_dump(d, allow_unicode=True)), st.text(max_size=200))
)
def test_workflow_yaml_never_crashes(text: str) -> None:
    try:
        load_workflow(text=text)
    except WorkflowError as exc:
        assert exc.message  # noqa: PT017 - either outcome is valid


TOKENS = st.sampled_from(
    [
        "$json",
        "$json.a",
        "$json['a']",
        "$json[0]",
        ".b",
        "?.c",
        "[1]",
        "+",
        "(",
        ")",
        "'x'",
        '"y"',
        "1",
        "2.5",
        "true",
        "null",
        "undefined",
        "$input.item",
        "$input.all()",
        "$('Fetch')",
        ".item",
        ".json",
        '$node["Fetch"]',
        '$items("Fetch")',
        "$env.HOME",
        "$now",
        "$today",
        "$itemIndex",
        ",",
        "*",
        "-",
        "eval",
        "constructor",
        "{{",
        "}}",
        " ",
        "$",
        "$secret",
        "==",
        "`",
        "${",
        ".sum()",
        ".toTitleCase()",
        ".first()",
        "?.isEmpty()",
        ".plus({days: 1})",
        "DateTime.fromISO('2024-01-01')",
        ".toFormat('yyyy')",
        "=>",
        "x",
        "[",
        "]",
        "{",
        "}",
        ";",
        "/",
        "\\",
        "\n",
        "__proto__",
        ".constructor",
        "['prototype']",
        "new ",
        "Array(",
        "1e999",
        "$if(",
        "$ifEmpty(",
        "Math.max(",
        "JSON.stringify(",
        ".map(",
        "typeof ",
        "?",
        ":",
        "...",
    ]
)
EXPRESSIONS = st.lists(TOKENS, max_size=8).map(lambda parts: "={{ " + "".join(parts) + " }}")


@settings(max_examples=800, deadline=None)
@given(st.one_of(EXPRESSIONS, st.text(max_size=30).map(lambda t: "=" + t)))
def test_expressions_never_crash(template: str) -> None:
    ctx = Context(
        items=[{"json": {"a": {"b": 1, "c": [1, 2]}}}],
        runs={"Fetch": NodeRun([{"json": {"id": 1}}])},
        env={"HOME": "/root"},
    )
    try:
        value = evaluate(template, ctx)
    except ExpressionError as exc:
        assert exc.message.startswith("expression ")  # noqa: PT017 - either outcome is valid
        return
    json.dumps(value, allow_nan=False)  # a plain JSON value (NaN and Infinity become null)


# ------------------------------------------------------------------ the command line

CLI_WORDS = st.sampled_from(
    [
        "run",
        "validate",
        "describe",
        "export-n8n",
        "check",
        "--format",
        "json",
        "csv",
        "ndjson",
        "xml",
        "--output",
        "-o",
        "/proc/no-such-dir/x.json",
        "a\x00b.json",
        "--set",
        "a=b",
        "Clicks.limit=5",
        "credentials.apiKey=x",
        "=",
        "--emulator",
        "demo",
        "--credentials",
        "--env-file",
        "--quiet",
        "--csv-formulas",
        "--original",
        "campaign",
        "Кампания",
        "get",
        "nope",
        str(WORKFLOW_FILES[0]),
        "workflows/none.yaml",
        "",
        "-",
        "--",
        "\x00",
        "9" * 40,
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(CLI_WORDS, max_size=6))
def test_cli_arguments_never_crash(argv: list[str]) -> None:
    """Any command line ends with an exit code (argparse's own usage errors exit 2)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        code = main(argv, out=out, err=err)
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 2
    assert code in (0, 1, 2, 3)
    assert "Traceback" not in err.getvalue() and CANARY not in out.getvalue()


# ------------------------------------------------------------------ answers from a tracker

ANSWERS = st.tuples(
    st.sampled_from(
        [200, 201, 204, 301, 302, 303, 307, 400, 401, 403, 404, 422, 429, 500, 502, 503]
    ),
    st.dictionaries(
        st.sampled_from(["Location", "Content-Type", "Retry-After", "Content-Encoding", "X-Key"]),
        st.one_of(NASTY, st.text(max_size=20)),
        max_size=3,
    ),
    st.one_of(
        st.binary(max_size=200),
        st.sampled_from(
            [
                b"{}",
                b"[]",
                b"<html>",
                b'{"rows": 5}',
                b"[" * 2000,
                b'{"a": "' + CANARY.encode() + b'"}',
            ]
        ),
    ),
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ANSWERS, st.sampled_from(["campaign:get", "click:getAll", "postback:create", "group:get"]))
def test_any_answer_is_an_item_result(answer: tuple[int, dict[str, str], bytes], key: str) -> None:
    """Whatever a tracker answers, each item ends as a result or an error of its own."""
    ANSWER[0] = answer
    resource, operation = key.split(":")
    params = {
        "campaign:get": {"campaignId": 1},
        "click:getAll": {"clickFilters": {"limit": 2}},
        "postback:create": {"campaignId": 1, "url": "https://x.example/"},
        "group:get": {"groupId": 1},
    }[key]
    out = HOSTILE_NODE.execute_sync(
        [{"json": {}}] * 2,
        resource=resource,
        operation=operation,
        parameters=params,
        continue_on_fail=True,
    )
    assert len(out) == 2 and all(isinstance(o["json"]["success"], bool) for o in out)
    assert CANARY not in json.dumps(out)


ANSWER: list[tuple[int, dict[str, str], bytes]] = [(200, {}, b"{}")]


async def _answer(request: web.Request) -> web.StreamResponse:
    status, headers, body = ANSWER[0]
    safe = {k: v for k, v in headers.items() if "\n" not in v and "\r" not in v and "\x00" not in v}
    return web.Response(status=status, headers=safe, body=body if status != 204 else None)


def _hostile_url() -> str:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", _answer)
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, access_log=None)
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", 0).start())
    threading.Thread(target=loop.run_forever, daemon=True).start()
    return f"http://127.0.0.1:{runner.addresses[0][1]}"


HOSTILE_NODE = KeitaroNode(
    Credentials(_hostile_url(), CANARY),
    retry=NO_RETRY,
    timeouts=Timeouts(total=5, connect=2),
)


N8N_TYPES = {
    "set": [1, 2, 3.4],
    "if": [1, 2.2],
    "filter": [1, 2],
    "switch": [1, 2, 3],
    "merge": [1, 2, 3],
    "splitOut": [1],
    "aggregate": [1],
    "summarize": [1.1],
    "limit": [1],
    "sort": [1],
    "removeDuplicates": [1, 2],
    "itemLists": [3.1],
    "dateTime": [2],
    "noOp": [1],
}
PARAMETER_KEYS = [
    "mode",
    "operation",
    "conditions",
    "rules",
    "values",
    "fields",
    "assignments",
    "options",
    "fieldToSplitOut",
    "fieldsToAggregate",
    "fieldsToSummarize",
    "maxItems",
    "sortFieldsUi",
    "compare",
    "fieldsToCompare",
    "output",
    "combineBy",
    "combinationMode",
    "mergeByFields",
    "joinMode",
    "dataType",
    "value1",
    "fieldsToSplitBy",
    "include",
    "date",
    "magnitude",
    "numberOutputs",
    "fallbackOutput",
    "aggregate",
    "keep",
    "type",
    "propertyName1",
    "join",
    "numberInputs",
    "outputsAmount",
    "useDataOfInput",
]
SHAPES = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(-3, 9), st.sampled_from(["", "x", "={{ $json.a }}"])
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["values", "name", "x"]), inner, max_size=2),
    ),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(N8N_TYPES)).flatmap(
        lambda t: st.tuples(
            st.just(t),
            st.sampled_from(N8N_TYPES[t]),
            st.dictionaries(st.sampled_from(PARAMETER_KEYS), SHAPES, max_size=5),
        )
    )
)
def test_n8n_node_parameters_of_any_shape_never_crash(
    case: tuple[str, float, dict[str, Any]],
) -> None:
    """An n8n export's node with parameters of any shape is refused or fails as that node."""
    from keitaro_node.errors import KeitaroNodeError
    from keitaro_node.n8n import import_n8n
    from keitaro_node.workflows import run_workflow

    kind, version, params = case
    doc = {
        "nodes": [
            {
                "name": "Data",
                "type": "n8n-nodes-base.code",
                "typeVersion": 2,
                "parameters": {"jsCode": "return [{a: 1, b: 'x'}, {a: 2}];"},
            },
            {
                "name": "N",
                "type": f"n8n-nodes-base.{kind}",
                "typeVersion": version,
                "parameters": params,
            },
        ],
        "connections": {"Data": {"main": [[{"node": "N", "type": "main", "index": 0}]]}},
        "settings": {"executionOrder": "v1"},
    }
    with contextlib.suppress(KeitaroNodeError):
        asyncio.run(run_workflow(import_n8n(doc), environ={}))
