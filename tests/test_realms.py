"""A stranger's JavaScript, run safely: one realm per execution, no code from strings, every
built-in frozen, every wait of a Code node bounded, and a signal stops JavaScript at once."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keitaro_node.expressions import Context, ExpressionError, evaluate, sandbox
from keitaro_node.workflows import load_workflow, run_workflow

CTX = Context(items=[{"json": {"secret": "s3cr3t"}}, {"json": {}}], timezone="UTC")


def code_workflow(*codes: str, mode: str = "runOnceForAllItems") -> Any:
    nodes = [
        {"name": f"Code {i}", "type": "code", "jsCode": code, "mode": mode}
        for i, code in enumerate(codes)
    ]
    return load_workflow(text=json.dumps({"name": "realms", "nodes": nodes}))


def run(*codes: str) -> list[dict[str, Any]]:
    result = asyncio.run(run_workflow(code_workflow(*codes), environ={}))
    return [item["json"] for item in result.items]


@pytest.mark.parametrize(
    "expression",
    [
        "={{ (()=>1)[['constructor']]('return Object.getOwnPropertyNames(globalThis)')() }}",
        "={{ (()=>1)[{toString: () => 'constructor'}]('return 1')() }}",
        "={{ $json[['__proto__']] }}",
    ],
)
def test_computed_keys_of_any_type_are_checked(expression: str) -> None:
    with pytest.raises(ExpressionError, match="due to security concerns"):
        evaluate(expression, CTX)


def test_no_code_from_strings_through_a_prototype() -> None:
    reach = (
        "={{ (() => { const p = ({}).__lookupGetter__('__proto__').call(() => 1);"
        " return Object.getOwnPropertyDescriptor(p, 'constructor').value('return this')() })() }}"
    )
    assert evaluate(reach, CTX) is None  # the constructor refuses: an error, the value null
    [out] = run(
        "let e; try { (function () {}).constructor('return this')() } catch (x) { e = x.message }"
        "\nreturn [{json: {e, evil: typeof (function () { return this })().eval}}]"
    )
    assert out == {"e": "Code generation from strings is not allowed in the sandbox",
                   "evil": "undefined"}  # fmt: skip


TAMPER = """
const g = (function () { return this })();
try { JSON.parse = () => ({}) } catch (e) {}
try { Array.prototype.map = () => [] } catch (e) {}
try { Map.leak = 'from A' } catch (e) {}
try { g.leak = 'from A' } catch (e) {}
try { Object.defineProperty(Math, 'max', {value: () => 0}) } catch (e) {}
try { Object.prototype.polluted = 1 } catch (e) {}
return [{json: {}}]
"""
PROBE = """
const g = (function () { return this })();
return [{json: {parse: JSON.parse('{"a": 1}'), map: [1, 2].map((x) => x * 2),
  leak: [typeof Map.leak, typeof g.leak], max: Math.max(1, 2), polluted: ({}).polluted ?? null}}]
"""
CLEAN = {"parse": {"a": 1}, "map": [2, 4], "leak": ["undefined", "undefined"], "max": 2,
         "polluted": None}  # fmt: skip


def test_one_execution_cannot_change_another() -> None:
    assert run(TAMPER) == [{}]
    assert run(PROBE) == [CLEAN]  # the next run in this process
    assert run(TAMPER, PROBE) == [CLEAN]  # and the next node of the same run


def test_one_item_cannot_leave_anything_for_the_next() -> None:
    evaluate("={{ Map.leak = $json.secret }}", CTX)
    evaluate("={{ (function () { return this })().leak = $json.secret }}", CTX)
    item1 = Context(items=CTX.items, index=1, timezone="UTC")
    assert evaluate("={{ [typeof Map.leak, typeof (function () { return this })().leak] }}",
                    item1) == ["undefined", "undefined"]  # fmt: skip


def test_each_execution_has_realms_of_its_own() -> None:
    with sandbox.execution():
        first = sandbox.realm()
        assert sandbox.realm() is first
    with sandbox.execution():
        assert sandbox.realm() is not first


@pytest.fixture
def short_code_limit(monkeypatch: pytest.MonkeyPatch) -> float:
    monkeypatch.setattr(sandbox, "CODE_TIME_LIMIT", 1.5)
    return 1.5


@pytest.mark.parametrize(
    "code",
    [
        "function f() { setTimeout(f, 1) } f(); await new Promise(() => {}); return items",
        "await new Promise(() => {}); return items",
        "while (true) {}",
    ],
    ids=["timers", "never-settles", "sync-loop"],
)
def test_a_code_run_has_one_deadline(code: str, short_code_limit: float) -> None:
    started = time.monotonic()
    with pytest.raises(Exception, match=r"interrupted|did not finish"):
        run(code)
    assert time.monotonic() - started < short_code_limit + 3


def test_what_a_code_run_leaves_behind_does_not_hang_the_next(short_code_limit: float) -> None:
    started = time.monotonic()
    out = run(
        "(async function f() { while (true) await null })(); return [{json: {a: 1}}]",
        "Promise.resolve().then(function g() { return Promise.resolve().then(g) });"
        " return [{json: {b: 2}}]",
        "await Promise.resolve(); return [{json: {c: 3}}]",
    )
    assert out == [{"c": 3}]
    assert time.monotonic() - started < short_code_limit


SLOW_EXPRESSION = "={{ (() => { let x = 0; for (let i = 0; i < 2e6; i++) x += i; return x })() }}"


@pytest.mark.parametrize(
    "node",
    [
        {"name": "Spin", "type": "code", "jsCode": "while (true) {}"},
        {"name": "Spin", "type": "set", "fields": {"x": SLOW_EXPRESSION}},
    ],
    ids=["code-loop", "expressions-in-a-row"],
)
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signal_stops_running_javascript(
    tmp_path: Path, node: dict[str, Any], sig: signal.Signals
) -> None:
    rows = [{"json": {"n": i}} for i in range(400)]
    workflow = {"name": "spin", "nodes": [{"name": "Rows", "type": "items", "items": rows}, node]}
    (tmp_path / "wf.yaml").write_text(json.dumps(workflow))
    proc = subprocess.Popen(
        [sys.executable, "-m", "keitaro_node.cli", "run", "wf.yaml", "--quiet"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(3)  # start-up, then into the loop
    sent = time.monotonic()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert time.monotonic() - sent < 2.5, err
    assert proc.returncode == 130, err


RECEIVERS = ["(() => 1)", "[]", "({})", "''", "$json", "Math", "JSON", "Map", "$input", "DateTime"]
KEYS = ["'constructor'", "['constructor']", "{toString: () => 'constructor'}", "'__proto__'",
        "['__proto__']", "'prototype'", "`constructor`", "'__lookupGetter__'",
        "Symbol.for('constructor')", "'valueOf'"]  # fmt: skip
ACTIONS = ["", "('return globalThis')", "('return this')()", " = 1", ".leak = 1",
           "('__proto__')", ".call(globalThis)"]  # fmt: skip
PROBES = {"={{ JSON.stringify({a: [1, 2].map((x) => x * 2)}) }}": '{"a":[2,4]}',
          "={{ [typeof Map.leak, ({}).leak ?? null, Math.max(1, 2)] }}": ["undefined", None, 2],
          "={{ Object.keys((function () { return this })()) }}": ["performance"]}  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(RECEIVERS),
    st.lists(st.sampled_from(KEYS), min_size=1, max_size=3),
    st.sampled_from(ACTIONS),
)
def test_fuzz_computed_keys_reach_nothing_of_another_execution(
    receiver: str, keys: list[str], action: str
) -> None:
    expression = "={{ " + receiver + "".join(f"[{k}]" for k in keys) + action + " }}"
    code = f"try {{ {expression[4:-3]} }} catch (e) {{}}\nreturn items"
    with sandbox.execution():
        try:
            value = evaluate(expression, CTX)
        except ExpressionError:
            value = None
        assert "__kn_" not in json.dumps(value, default=str)
        run(code)  # the same in a Code node, in its own execution
    with sandbox.execution():
        assert {p: evaluate(p, CTX) for p in PROBES} == PROBES


def test_data_it_was_not_given_is_given_even_when_the_code_catches_the_miss() -> None:
    items = [{"json": {"n": i}} for i in range(600)]
    last = "={{ (() => { try { return $input.last().json.n } catch (e) { return 'caught' } })() }}"
    assert evaluate(last, Context(items=items, index=3)) == 599
    path = "={{ $json.n + '/' + $input.first().json.n }}"
    for order in (range(600), range(599, -1, -1)):  # windows forward, and out of order
        assert [evaluate(path, Context(items=items, index=i)) for i in order] == [
            f"{i}/0" for i in order
        ]


def test_a_large_input_crosses_only_as_far_as_it_is_read() -> None:
    made = "return Array.from({length: 60000}, (_, i) => ({json: {n: i, pad: 'x'.repeat(40)}}))"
    workflow = {
        "name": "large",
        "nodes": [
            {"name": "Make", "type": "code", "jsCode": made},
            {"name": "Keep", "type": "filter", "condition": "={{ $json.n % 1000 === 0 }}"},
        ],
    }
    result = asyncio.run(run_workflow(load_workflow(text=json.dumps(workflow)), environ={}))
    assert [item["json"]["n"] for item in result.items] == list(range(0, 60000, 1000))


def test_code_per_item_reads_its_own_item_and_changes_no_other_nodes_copy() -> None:
    make = "return Array.from({length: 600}, (_, n) => ({json: {n}}))"
    bump = "$json.n += 1000; return {json: {n: $json.n}}"
    workflow = {
        "name": "each",
        "nodes": [
            {"name": "Make", "type": "code", "jsCode": make},
            {"name": "A", "type": "code", "mode": "runOnceForEachItem", "jsCode": bump},
            {"name": "B", "type": "code", "mode": "runOnceForEachItem", "jsCode": bump},
        ],
        "connections": {"Make": ["A", "B"]},
    }
    result = asyncio.run(run_workflow(load_workflow(text=json.dumps(workflow)), environ={}))
    for name in ("A", "B"):  # siblings reading the same input, across windows of 256
        assert [i["json"]["n"] for i in result.runs[name].items] == list(range(1000, 1600))
