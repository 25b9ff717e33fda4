"""The safe subset of n8n expressions: ``={{ $json.a.b }}`` and friends, with no ``eval``.

A parameter string that starts with ``=`` is a template; each ``{{ … }}`` block in it holds an
expression of this grammar::

    expr    := term ("+" term)*
    term    := literal | path | "(" expr ")"
    literal := 'text' | "text" | number | true | false | null | undefined
    path    := root ( "." name | "?." name | "[" (string | integer) "]" | "(" args ")" )*
    root    := $json | $input | $node | $items | $env | $now | $today | $itemIndex | $runIndex
             | $("Node name") | $('Node name')

Typing follows n8n: a template that is exactly one ``{{ }}`` keeps the value's type; mixed text
gives a string in which undefined and null become empty and objects ``[object Object]``. A broken
path gives undefined, never an error. Anything outside the grammar is refused with an
ExpressionError naming the expression and the position.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from .errors import InputError
from .model import JSON, Item


class _Undefined:
    """JavaScript's undefined (kept apart from null where it matters)."""

    _instance: _Undefined | None = None

    def __new__(cls) -> _Undefined:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "undefined"

    def __bool__(self) -> bool:
        return False


UNDEFINED: Any = _Undefined()


class ExpressionError(InputError):
    """An expression outside the supported subset, or one that references what does not exist."""

    def __init__(self, message: str, expression: str, position: int | None = None) -> None:
        where = f" at column {position + 1}" if position is not None else ""
        super().__init__(f"expression {expression!r}{where}: {message}")
        self.expression = expression
        self.position = position


@dataclass(frozen=True)
class NodeRun:
    """What an executed workflow node produced, and the node it read from."""

    items: Sequence[Item]
    parent: str | None = None


@dataclass(frozen=True)
class Context:
    """Everything an expression may read while one item of one node is processed."""

    items: Sequence[Item]
    """The current node's input items."""
    index: int = 0
    parent: str | None = None
    """The node the current input came from (for paired-item lookups)."""
    runs: Mapping[str, NodeRun] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    """Environment variables the workflow allows (``$env``)."""
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    run_index: int = 0

    @property
    def item(self) -> Item:
        return self.items[self.index] if self.index < len(self.items) else {"json": {}}


# --------------------------------------------------------------------------- tokens

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>\d+(?:\.\d+)?)
      | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<name>\$?[A-Za-z_][A-Za-z0-9_]*|\$)
      | (?P<op>\?\.|[.\[\]()+,])
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    pos: int


@lru_cache(maxsize=4096)
def _tokens(code: str, expression: str, offset: int) -> tuple[_Token, ...]:
    """The tokens of one ``{{ }}`` block (cached: a template is the same for every item)."""
    out: list[_Token] = []
    pos, stop = 0, len(code.rstrip())
    while pos < stop:
        match = _TOKEN.match(code, pos)
        if not match or match.end() == pos:
            start = pos + len(code[pos:]) - len(code[pos:].lstrip())
            raise ExpressionError(
                f"unsupported syntax {code[start : start + 10]!r}", expression, offset + start
            )
        kind = match.lastgroup or ""
        out.append(_Token(kind, match.group(kind), offset + match.start(kind)))
        pos = match.end()
    return tuple(out)


# --------------------------------------------------------------------------- evaluation


def _js_string(value: Any) -> str:
    """JavaScript's String(value)."""
    if value is UNDEFINED:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    if isinstance(value, list):
        return ",".join("" if v is None or v is UNDEFINED else _js_string(v) for v in value)
    if isinstance(value, dict):
        return "[object Object]"
    return str(value)


def _js_number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    return math.nan


def _plus(left: Any, right: Any) -> Any:
    """JavaScript's ``+``: concatenation when either side is a string (or an object)."""
    if isinstance(left, str | list | dict) or isinstance(right, str | list | dict):
        return _js_string(left) + _js_string(right)
    total = _js_number(left) + _js_number(right)
    ints = isinstance(left, int | bool | None) and isinstance(right, int | bool | None)
    return int(total) if ints else total


def _member(value: Any, key: Any) -> Any:
    """``value[key]`` that gives undefined instead of failing."""
    if isinstance(value, dict):
        return value.get(key, UNDEFINED) if isinstance(key, str) else UNDEFINED
    if isinstance(value, list | str):
        if isinstance(key, int) and not isinstance(key, bool):
            return value[key] if 0 <= key < len(value) else UNDEFINED
        if key == "length":
            return len(value)
    return UNDEFINED


def _iso(moment: datetime) -> str:
    """Luxon's DateTime.toISO(): milliseconds and the offset."""
    return moment.isoformat(timespec="milliseconds")


class _NodeProxy:
    """``$('Name')`` / ``$node["Name"]``: a node's output, by paired item or by index."""

    def __init__(self, name: str, ctx: Context, by_index: bool) -> None:
        self.name, self.ctx, self.by_index = name, ctx, by_index

    def run(self, expression: str, pos: int) -> NodeRun:
        run = self.ctx.runs.get(self.name)
        if run is None:
            raise ExpressionError(
                f"node {self.name!r} has not run (or does not exist)", expression, pos
            )
        return run

    def paired(self, expression: str, pos: int) -> Item:
        """Follow pairedItem back from the current item to this node's item."""
        self.run(expression, pos)
        node, index = self.ctx.parent, self.ctx.index
        while node is not None:
            run = self.ctx.runs.get(node)
            if run is None or index >= len(run.items):
                break
            item = run.items[index]
            if node == self.name:
                return item
            paired = item.get("pairedItem")
            if not isinstance(paired, dict):
                break
            index, node = int(paired.get("item", 0)), run.parent
        raise ExpressionError(f"no paired item leads back to node {self.name!r}", expression, pos)


class _Parser:
    def __init__(self, tokens: tuple[_Token, ...], expression: str, ctx: Context) -> None:
        self.tokens, self.expression, self.ctx, self.i = tokens, expression, ctx, 0

    def fail(self, message: str, token: _Token | None = None) -> ExpressionError:
        tok = token or (self.tokens[self.i] if self.i < len(self.tokens) else None)
        return ExpressionError(message, self.expression, tok.pos if tok else None)

    def peek(self, text: str | None = None) -> _Token | None:
        tok = self.tokens[self.i] if self.i < len(self.tokens) else None
        if tok is not None and text is not None and tok.text != text:
            return None
        return tok

    def take(self, text: str | None = None) -> _Token:
        tok = self.peek(text)
        if tok is None:
            wanted = f"{text!r}" if text else "more"
            raise self.fail(f"expected {wanted}")
        self.i += 1
        return tok

    def parse(self) -> Any:
        if not self.tokens:
            raise ExpressionError("empty expression", self.expression)
        value = self.expr()
        if self.i < len(self.tokens):
            raise self.fail(f"unexpected {self.tokens[self.i].text!r}")
        return value

    def expr(self) -> Any:
        value = self.term()
        while self.peek("+"):
            self.take("+")
            value = _plus(value, self.term())
        return value

    def term(self) -> Any:
        tok = self.take()
        if tok.text == "(":
            value = self.expr()
            self.take(")")
            return self.accessors(value)
        if tok.kind == "number":  # a JavaScript number: exact integers up to 2^53, else a double
            if "." not in tok.text and len(tok.text) < 16:
                return int(tok.text)
            return float(tok.text)
        if tok.kind == "string":
            return self.accessors(_unquote(tok.text))
        if tok.kind == "name":
            literals = {"true": True, "false": False, "null": None, "undefined": UNDEFINED}
            if tok.text in literals:
                return literals[tok.text]
            if tok.text.startswith("$"):
                return self.accessors(self.root(tok))
        raise self.fail(f"unsupported {tok.text!r}", tok)

    def args(self) -> list[Any]:
        self.take("(")
        values: list[Any] = []
        while not self.peek(")"):
            values.append(self.expr())
            if not self.peek(")"):
                self.take(",")
        self.take(")")
        return values

    def root(self, tok: _Token) -> Any:
        ctx = self.ctx
        name = tok.text
        if name == "$json":
            return ctx.item.get("json", {})
        if name == "$input":
            return {
                "item": ctx.item,
                "all": lambda: list(ctx.items),
                "first": lambda: ctx.items[0] if ctx.items else UNDEFINED,
                "last": lambda: ctx.items[-1] if ctx.items else UNDEFINED,
            }
        if name == "$itemIndex":
            return ctx.index
        if name == "$runIndex":
            return ctx.run_index
        if name == "$now":
            return _iso(ctx.now)
        if name == "$today":
            return _iso(ctx.now.replace(hour=0, minute=0, second=0, microsecond=0))
        if name == "$env":
            return _EnvProxy(ctx.env, self.expression, tok.pos)
        if name == "$node":
            self.take("[")
            node = self.expr()
            self.take("]")
            return self.node(str(node), tok, by_index=True)
        if name == "$items":
            args = self.args()
            run = (
                _NodeProxy(str(args[0]), ctx, True).run(self.expression, tok.pos) if args else None
            )
            return list(run.items) if run else list(ctx.items)
        if name == "$":
            args = self.args()
            if len(args) != 1 or not isinstance(args[0], str):
                raise self.fail("$() takes one node name", tok)
            return self.node(args[0], tok, by_index=False)
        raise self.fail(f"unsupported variable {name!r}", tok)

    def node(self, name: str, tok: _Token, *, by_index: bool) -> dict[str, Any]:
        proxy = _NodeProxy(name, self.ctx, by_index)
        run = proxy.run(self.expression, tok.pos)
        items = list(run.items)
        fields: dict[str, Any] = {
            "all": lambda: items,
            "first": lambda: items[0] if items else UNDEFINED,
            "last": lambda: items[-1] if items else UNDEFINED,
        }
        if by_index:
            same = items[self.ctx.index] if self.ctx.index < len(items) else {"json": {}}
            fields.update(json=same.get("json", {}), item=same)
        else:
            fields["item"] = _Lazy(lambda: proxy.paired(self.expression, tok.pos))
        return fields

    def accessors(self, value: Any) -> Any:
        while True:
            tok = self.peek()
            if tok is None or tok.text not in (".", "?.", "[", "("):
                return value
            if tok.text in (".", "?."):
                self.take()
                name = self.take()
                if name.kind != "name" or name.text.startswith("$"):
                    raise self.fail("expected a property name", name)
                value = _member(_force(value), name.text)
            elif tok.text == "[":
                self.take("[")
                key = self.expr()
                self.take("]")
                value = _member(_force(value), key)
            else:
                if not callable(value):
                    raise self.fail("only all(), first(), last() can be called", tok)
                args = self.args()
                if args:
                    raise self.fail("these calls take no arguments", tok)
                value = value()


@dataclass(frozen=True)
class _Lazy:
    get: Callable[[], Any]


def _force(value: Any) -> Any:
    return value.get() if isinstance(value, _Lazy) else value


class _EnvProxy(dict[str, Any]):
    def __init__(self, allowed: Mapping[str, str], expression: str, pos: int) -> None:
        super().__init__(allowed)
        self.expression, self.pos = expression, pos

    def get(self, key: str, default: Any = None) -> Any:
        if key not in self:
            raise ExpressionError(
                f"$env.{key} is not allowed (list it under the workflow's env)",
                self.expression,
                self.pos,
            )
        return self[key]


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


MAX_NESTING = 100
"""Deeper parentheses than this are refused (Python's own stack would overflow first)."""


def _blocks(template: str, value: str) -> list[tuple[int, int, int, int]]:
    """(start, end, code start, code end) of each ``{{ … }}`` block, found in linear time."""
    found, pos = [], 0
    while (start := template.find("{{", pos)) >= 0:
        end = template.find("}}", start + 2)
        if end < 0:
            raise ExpressionError("unclosed {{", value, start + 1)
        found.append((start, end + 2, start + 2, end))
        pos = end + 2
    if template.count("{{") != len(found):  # a "{{" inside a block: "{{ a {{ b }}"
        raise ExpressionError("unclosed {{", value, found[-1][1] + 1 if found else 1)
    return found


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("=")


def evaluate(value: str, ctx: Context) -> JSON:
    """The value of one ``=…`` template (undefined becomes None)."""
    template = value[1:]
    blocks = _blocks(template, value)
    if len(blocks) == 1 and blocks[0][:2] == (0, len(template)):
        result = _run(blocks[0], template, value, ctx)
        return None if result is UNDEFINED else _plain(result)
    out, last = [], 0
    for block in blocks:
        out.append(template[last : block[0]])
        result = _run(block, template, value, ctx)
        out.append("" if result is None or result is UNDEFINED else _js_string(result))
        last = block[1]
    out.append(template[last:])
    return "".join(out)


def _run(block: tuple[int, int, int, int], template: str, value: str, ctx: Context) -> Any:
    tokens = _block_tokens(block, template, value)
    try:
        return _force(_Parser(tokens, value, ctx).parse())
    except RecursionError:
        raise ExpressionError("the expression is nested too deeply", value) from None


def _block_tokens(
    block: tuple[int, int, int, int], template: str, value: str
) -> tuple[_Token, ...]:
    """The block's tokens (+1 on positions for the leading "="); refuses deep nesting early."""
    tokens = _tokens(template[block[2] : block[3]], value, block[2] + 1)
    depth = 0
    for tok in tokens:
        depth += (tok.text in "([") - (tok.text in ")]") if tok.kind == "op" else 0
        if depth > MAX_NESTING:
            raise ExpressionError(f"nested deeper than {MAX_NESTING} levels", value, tok.pos)
    return tokens


def _plain(value: Any) -> JSON:
    """Strip proxies: what a single expression returns must be plain JSON."""
    value = _force(value)
    if callable(value):
        return None
    if isinstance(value, dict):
        return {
            k: _plain(v) for k, v in value.items() if not callable(v) and not isinstance(v, _Lazy)
        }
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def resolve(value: Any, ctx: Context) -> Any:
    """Evaluate every ``=…`` string inside a parameter value (dicts and lists recursively)."""
    if isinstance(value, str):
        return evaluate(value, ctx) if is_expression(value) else value
    if isinstance(value, dict):
        return {k: resolve(v, ctx) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, ctx) for v in value]
    return value


def has_expressions(value: Any) -> bool:
    if isinstance(value, str):
        return is_expression(value)
    if isinstance(value, dict):
        return any(has_expressions(v) for v in value.values())
    if isinstance(value, list):
        return any(has_expressions(v) for v in value)
    return False


def check(value: str) -> None:
    """Parse-check a template without data (for ``validate``): raises ExpressionError."""
    template = value[1:]
    for block in _blocks(template, value):
        _block_tokens(block, template, value)
