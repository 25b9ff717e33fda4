"""n8n expressions: each case with the value n8n itself gives (n8n-semantics.md §5).

The broad comparison with n8n-workflow is tests/test_expression_corpus.py; these are the cases
that also pin this project's own contract (Context, paired items, refusals with columns)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keitaro_node.expressions import Context, ExpressionError, NodeRun, evaluate, resolve

NOW = datetime(2026, 11, 27, 15, 4, 5, 123000, tzinfo=UTC)
ITEM = {
    "a": {"b": {"c": 3}},
    "name": "Keitaro",
    "n": 2,
    "f": 1.5,
    "t": True,
    "nil": None,
    "list": [10, 20, {"x": "y"}],
    "obj": {"k": 1},
    "contact": None,
    "key with space": "sp",
    "zero": 0,
    "empty": "",
}
RUNS = {
    "Start": NodeRun([{"json": {"origin": "start-0"}}, {"json": {"origin": "start-1"}}]),
    "Fetch": NodeRun(
        [
            {"json": {"id": 7, "seq": "f0"}, "pairedItem": {"item": 1}},
            {"json": {"id": 8, "seq": "f1"}, "pairedItem": {"item": 0}},
        ],
        parent="Start",
    ),
}


def ctx(index: int = 0, **kw: Any) -> Context:
    items = [{"json": ITEM}, {"json": {"name": "second"}}]
    return Context(
        items=kw.pop("items", items),
        index=index,
        runs=RUNS,
        parent=kw.pop("parent", None),
        env={"ALLOWED": "yes"},
        now=NOW,
        timezone=kw.pop("timezone", "UTC"),
        **kw,
    )


CASES: list[tuple[str, Any]] = [
    # the "=" prefix
    ("plain text", "plain text"),
    ("=plain text", "plain text"),
    ("=TRUE", "TRUE"),
    # a lone {{ }} keeps its type
    ("={{ $json.n }}", 2),
    ("={{ $json.f }}", 1.5),
    ("={{ $json.t }}", True),
    ("={{ $json.nil }}", None),
    ("={{ $json.obj }}", {"k": 1}),
    ("={{ $json.list }}", [10, 20, {"x": "y"}]),
    ("={{$json.a.b.c}}", 3),
    ("={{ $json['a']['b'] }}", {"c": 3}),
    ('={{ $json["key with space"] }}', "sp"),
    ("={{ $json.list[1] }}", 20),
    ("={{ $json.list[2].x }}", "y"),
    ("={{ $json.list.length }}", 3),
    ("={{ $json.name.length }}", 7),
    ("={{ $json.a?.b?.c }}", 3),
    # a broken path is undefined, not an error
    ("={{ $json.missing }}", None),
    ("={{ $json.missing.deeper }}", None),
    ('={{ $json["contact"]["FirstName"] }}', None),
    ("={{ $json.list[9] }}", None),
    # mixed text is a string; undefined and null become empty
    ("=Hello, {{ $json.name }}!", "Hello, Keitaro!"),
    ("=Hello, {{ $json.missing }}", "Hello, "),
    ("=v={{ $json.nil }}", "v="),
    ("=n={{ $json.n }}", "n=2"),
    ("=t={{ $json.t }}", "t=true"),
    ("=o={{ $json.obj }}", "o=[object Object]"),
    ("=l={{ $json.list }}", "l=10,20,[object Object]"),
    ("={{ $json.n }} {{ $json.name }}", "2 Keitaro"),
    ("= {{ $json.n }}", " 2"),
    ("=z={{ $json.zero }} e={{ $json.empty }}.", "z=0 e=."),
    # literals and +
    ("={{ 'a' + 'b' }}", "ab"),
    ('={{ "x" + 1 }}', "x1"),
    ("={{ 1 + 2 }}", 3),
    ("={{ 1.5 + 1 }}", 2.5),
    ("={{ 'Hi ' + $json.missing }}", "Hi undefined"),
    ("={{ 'Hi ' + $json.nil }}", "Hi null"),
    ("={{ $json.n + $json.n }}", 4),
    ("={{ 'id-' + ($json.n + 1) }}", "id-3"),
    ("={{ null }}", None),
    ("={{ true }}", True),
    ("={{ 'it\\'s' }}", "it's"),
    # other roots
    ("={{ $input.item.json.name }}", "Keitaro"),
    ("={{ $input.first().json.n }}", 2),
    ("={{ $input.last().json.name }}", "second"),
    ("={{ $input.all().length }}", 2),
    ("={{ $itemIndex }}", 0),
    ("={{ $runIndex }}", 0),
    ("={{ $env.ALLOWED }}", "yes"),
    ("={{ $now }}", "2026-11-27T15:04:05.123Z"),
    ("={{ $today }}", "2026-11-27T00:00:00.000Z"),
    ('={{ $node["Fetch"].json.id }}', 7),
    ("={{ $('Fetch').first().json.seq }}", "f0"),
    ("={{ $('Fetch').last().json.id }}", 8),
    ("={{ $('Fetch').all().length }}", 2),
    ('={{ $items("Start").length }}', 2),
    ('={{ $items("Start")[1].json.origin }}', "start-1"),
]


@pytest.mark.parametrize(("template", "expected"), CASES, ids=[c[0] for c in CASES])
def test_n8n_values(template: str, expected: Any) -> None:
    assert (
        evaluate(template, ctx()) == expected if template.startswith("=") else template == expected
    )


def test_at_least_forty_cases() -> None:
    assert len(CASES) >= 40


def test_node_by_index_follows_the_current_index() -> None:
    assert evaluate('={{ $node["Fetch"].json.seq }}', ctx(index=1)) == "f1"


def test_paired_item_lookup_walks_the_chain() -> None:
    # Current node reads from Fetch; Fetch item 0 came from Start item 1 (and item 1 from item 0).
    here = ctx(index=0, parent="Fetch", items=list(RUNS["Fetch"].items))
    assert evaluate("={{ $('Start').item.json.origin }}", here) == "start-1"
    assert evaluate("={{ $('Fetch').item.json.seq }}", here) == "f0"
    there = ctx(index=1, parent="Fetch", items=list(RUNS["Fetch"].items))
    assert evaluate("={{ $('Start').item.json.origin }}", there) == "start-0"


def test_resolve_walks_dicts_and_lists() -> None:
    value = {"a": "={{ $json.n }}", "b": ["={{ $json.name }}", "plain"], "c": 5}
    assert resolve(value, ctx()) == {"a": 2, "b": ["Keitaro", "plain"], "c": 5}


@pytest.mark.parametrize(
    ("template", "words"),
    [
        (
            "={{ $json.__proto__ }}",
            'Cannot access "__proto__" due to security concerns (column 11)',
        ),
        ("={{ $json['prototype'] }}", 'Cannot access "prototype" due to security concerns'),
        ("={{ $json[k] }}", None),  # k is undefined: n8n gives undefined, not an error
        (
            "={{ $json.constructor.constructor('x')() }}",
            "Expression contains invalid constructor function call",
        ),
        ("={{ $env.HOME }}", "$env.HOME is not allowed"),
        ("={{ $('Nope').item.json }}", "Referenced node doesn't exist"),
        ("={{ }}", "invalid syntax"),
        ("={{ $json. }}", "invalid syntax"),
        ("={{ 1 + }}", "invalid syntax"),
        ("={{ $json.a ) }}", "invalid syntax"),
        ("={{ [1].sum(1, ) .x( }}", "invalid syntax"),
        ("={{ 'abc'.sum() }}", 'sum() is only callable on type "Array"'),
        ("={{ $json.missing.sum() }}", "sum can't be used on undefined value"),
        ("={{ $json.n.nothing() }}", None),  # a TypeError inside the block: undefined, as in n8n
        ("={{ Math.max }}", "this is a function, please add ()"),
        ("={{ DateTime }}", "this is a DateTime, please access its methods"),
    ],
)
def test_refused_as_n8n_refuses(template: str, words: str | None) -> None:
    if words is None:
        assert evaluate(template, ctx()) is None
        return
    with pytest.raises(ExpressionError) as err:
        evaluate(template, ctx())
    assert words in str(err.value)
    assert template in str(err.value)


def test_syntax_error_names_the_column() -> None:
    with pytest.raises(ExpressionError, match=r"\(column 14\)"):  # where the block ends
        evaluate("={{ $json.n * }}", ctx())
    with pytest.raises(ExpressionError, match=r"\(column 22\)"):  # the string 'b'
        evaluate("=text {{ 1 }} {{ 'a' 'b' }}", ctx())


def test_paired_item_missing() -> None:
    with pytest.raises(ExpressionError, match='no paired item leads back to node "Start"'):
        evaluate("={{ $('Start').item.json }}", ctx(parent=None))


def test_time_zone_follows_the_context() -> None:
    assert evaluate("={{ $now.toISO() }}", ctx(timezone="Europe/Berlin")) == (
        "2026-11-27T16:04:05.123+01:00"
    )
    assert evaluate("={{ $today.toISO() }}", ctx(timezone="Asia/Tokyo")) == (
        "2026-11-28T00:00:00.000+09:00"
    )


def test_default_time_zone_is_n8ns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GENERIC_TIMEZONE", raising=False)
    assert evaluate("={{ $now.zoneName }}", ctx(timezone=None)) == "America/New_York"
    monkeypatch.setenv("GENERIC_TIMEZONE", "Europe/Moscow")
    assert evaluate("={{ $now.zoneName }}", ctx(timezone=None)) == "Europe/Moscow"


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["a", "b", "id", "length", "__proto__", "constructor"]),
        st.recursive(
            st.none()
            | st.booleans()
            | st.integers(min_value=-(2**60), max_value=2**60)
            | st.floats(allow_nan=False, allow_infinity=False)
            | st.text(max_size=5),
            lambda inner: (
                st.dictionaries(st.sampled_from(["a", "b", "id"]), inner, max_size=3)
                | st.lists(inner, max_size=3)
            ),
            max_leaves=6,
        ),
        max_size=4,
    ),
    st.lists(st.sampled_from(["a", "b", "id", "length", "__proto__"]), min_size=1, max_size=3),
)
def test_json_paths_read_in_python_agree_with_the_sandbox(data: dict, path: list[str]) -> None:
    """``={{ $json.a.b }}`` is read without the sandbox when the answer is plain; the sandbox
    (reached through parentheses, which the shortcut does not take) must say the same."""
    ctx = Context(items=[{"json": data}])
    dotted = ".".join(path)

    def answer(template: str) -> Any:
        try:
            return evaluate(template, ctx)
        except ExpressionError as exc:  # the same refusal (the text quotes the template)
            return ("error", exc.message.split("': ", 1)[1].split(" (column")[0])

    assert answer(f"={{{{ $json.{dotted} }}}}") == answer(f"={{{{ ($json.{dotted}) }}}}")
