"""The expression sandbox: nothing reaches the host, one evaluation cannot change the next, and
every failure is an ExpressionError (time, memory, stack)."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from keitaro_node.expressions import Context, ExpressionError, evaluate, evaluate_js
from keitaro_node.expressions.jscode import CodeError, prepare

CTX = Context(items=[{"json": {"a": 1}}], index=0, env={"ALLOWED": "yes"}, timezone="UTC")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("={{ typeof require }}", "undefined"),
        ("={{ typeof std }}", "undefined"),
        ("={{ typeof os }}", "undefined"),
        ("={{ process }}", {}),
        ("={{ globalThis }}", {}),
        ("={{ eval }}", {}),
        ("={{ Function }}", {}),
        ("={{ (function () { return this })().__kn_items }}", None),
        ("={{ new Function('return 1') }}", None),  # Function is {}: a TypeError, swallowed
        ("={{ $env.ALLOWED }}", "yes"),
    ],
)
def test_no_host_access(expression: str, expected: object) -> None:
    assert evaluate(expression, CTX) == expected


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("={{ import('os') }}", "Imports are not supported"),
        ("={{ $env.HOME }}", "$env.HOME is not allowed"),
        ("={{ $json['__pro' + 'to__'] }}", 'Cannot access "__proto__"'),
    ],
)
def test_refused(expression: str, words: str) -> None:
    with pytest.raises(ExpressionError, match=re.escape(words)):
        evaluate(expression, CTX)


def test_prototypes_cannot_be_polluted() -> None:
    # The getter of __proto__ hands out Object.prototype without naming it; it is frozen.
    pollute = "({}).__lookupGetter__('__proto__').call({}).polluted = 1"
    evaluate("={{ (() => { " + pollute + "; return 1 })() }}", CTX)
    assert evaluate("={{ ({}).polluted }}", CTX) is None


def test_one_evaluation_cannot_change_the_next() -> None:
    evaluate("={{ (() => { JSON.stringify = () => 'x'; Math.max = () => 0; return 1 })() }}", CTX)
    evaluate("={{ (() => { Object.assign(String, {x: 1}); return 1 })() }}", CTX)
    assert evaluate("={{ Math.max(1, 2) }}", CTX) == 2
    assert evaluate("={{ $json }}", CTX) == {"a": 1}
    assert evaluate("={{ typeof String.x }}", CTX) == "undefined"


def test_limits_end_in_expression_errors() -> None:
    with pytest.raises(ExpressionError, match="ran longer than 1 s"):
        evaluate("={{ (() => { for (;;) {} })() }}", CTX)
    with pytest.raises(ExpressionError, match="too much memory"):
        evaluate("={{ Array.from({length: 1e8}, (_, i) => i).length }}", CTX)
    with pytest.raises(ExpressionError, match="Maximum call stack size exceeded"):
        evaluate("={{ (function f() { return f() })() }}", CTX)
    assert evaluate("={{ 6 * 7 }}", CTX) == 42


def test_each_thread_has_its_own_sandbox() -> None:
    results: list[object] = []

    def work(n: int) -> None:
        ctx = Context(items=[{"json": {"n": n}}], index=0)
        results.append(evaluate("={{ $json.n * 2 }}", ctx))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 2, 4, 6]


def test_undefined_and_null_stay_apart() -> None:
    assert evaluate_js("={{ $json.missing }}", CTX) is not None
    assert evaluate_js("={{ null }}", CTX) is None
    assert evaluate("={{ $json.missing }}", CTX) is None


@pytest.mark.parametrize(
    ("code", "rewritten"),
    [
        ("[1, 2].sum()", '__ext([1, 2], "sum", [])'),
        ("a.b.sum().round(1)", '__ext(__ext(a.b, "sum", []), "round", [1])'),
        ("a?.b.sum()", '__opt(a, (__v) => __ext(__v.b, "sum", []))'),
        ("a.sum?.()", 'extendOptional(a, "sum")?.()'),
        ("$if(x, 1, 2)", "((x) ? ( 1) : ( 2))"),
        ("a[k]", "a[__s(k)]"),
        ("`${a.sum()}`", '`${__ext(a, "sum", [])}`'),
        ("'x.sum()'", "'x.sum()'"),
    ],
)
def test_code_is_prepared_as_n8n_prepares_it(code: str, rewritten: str) -> None:
    assert prepare(code).code == rewritten


@pytest.mark.parametrize("code", ["'open", "`open", "/* open", "a)", "(a", "{a", "a]"])
def test_broken_code_is_located(code: str) -> None:
    with pytest.raises(CodeError):
        prepare(code)


def test_a_zone_table_is_read_back_from_its_copy_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zoneinfo import ZoneInfo

    from keitaro_node.expressions import zones

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    zones.zone_table.cache_clear()
    made = zones.zone_table("Europe/Moscow")
    [copy] = (tmp_path / "keitaro-node").iterdir()
    assert copy.name.startswith("zone-Europe_Moscow-1970-2070-")
    zones.zone_table.cache_clear()
    assert zones.zone_table("Europe/Moscow") == made == zones._walk(ZoneInfo("Europe/Moscow"))
    zones.zone_table.cache_clear()
