"""n8n expressions, evaluated as n8n evaluates them: ``={{ $json.price * 1.2 }}``.

A parameter string that starts with ``=`` is a template: text with ``{{ … }}`` blocks of
JavaScript. A template that is exactly one block keeps the value's type; otherwise the blocks'
values are joined into text (undefined, null and NaN give nothing, objects ``[object Object]``,
arrays ``1,2``). The JavaScript runs in a QuickJS sandbox (``sandbox.py``) with n8n's data
(``$json``, ``$input``, ``$('Node')``, ``$now``, …), n8n's extension functions and a Luxon-like
``DateTime``; what n8n refuses is refused, and every failure is an ExpressionError that names the
expression and the column.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from ..errors import InputError
from ..model import JSON, Item
from . import sandbox as _sandbox
from .jscode import UNSAFE, CodeError, prepare, tokenize
from .sandbox import execution, offload

__all__ = [
    "UNDEFINED",
    "Context",
    "ExpressionError",
    "NodeRun",
    "ScriptError",
    "check",
    "default_timezone",
    "evaluate",
    "evaluate_js",
    "execution",
    "has_expressions",
    "is_expression",
    "offload",
    "resolve",
    "run_code",
    "template_parts",
]


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
    """An expression that cannot be evaluated, or that n8n refuses."""

    def __init__(self, message: str, expression: str, position: int | None = None) -> None:
        where = f" (column {position + 1})" if position is not None else ""
        super().__init__(f"expression {expression!r}: {message}{where}")
        self.expression = expression
        self.position = position
        self.reason = message


def default_timezone() -> str:
    """n8n's rule: GENERIC_TIMEZONE if set, else America/New_York (a workflow's own wins)."""
    return os.environ.get("GENERIC_TIMEZONE") or "America/New_York"


@dataclass(frozen=True)
class NodeRun:
    """What an executed workflow node produced, and the node it read from (for a node with
    several inputs, ``sources``: the node each input came from, which a pairedItem's ``input``
    picks)."""

    items: Sequence[Item]
    parent: str | None = None
    sources: Sequence[str | None] = ()
    context: Mapping[str, Any] = field(default_factory=dict)
    """The node's context after the run (``$('Name').context``: a loop's noItemsLeft, …)."""


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
    timezone: str | None = None
    """The workflow's time zone (``$now``, ``DateTime``); None: ``default_timezone()``."""
    workflow_id: str = ""
    workflow_name: str = ""
    execution_id: str = ""
    node: str = ""
    """The node being run (its static data, ``$getWorkflowStaticData('node')``)."""
    mode: str = "manual"
    """``$execution.mode``: manual (a run from the command line), trigger, webhook or error."""
    variables: str = ""
    """JSON of the variables a node adds for its own expressions (HTTP Request's pagination:
    ``{"$response": …, "$request": …, "$pageCount": …}``); "" for none."""

    @property
    def item(self) -> Item:
        return self.items[self.index] if self.index < len(self.items) else {"json": {}}

    def meta(self) -> tuple[Any, ...]:
        zone = self.timezone or default_timezone()
        now = int(self.now.timestamp() * 1000)
        ids = (self.workflow_id, self.workflow_name, self.execution_id, self.node)
        return (now, zone, self.run_index, *ids, self.mode, self.variables)


# --------------------------------------------------------------------------- templates


@dataclass(frozen=True)
class _Chunk:
    code: bool
    text: str
    offset: int
    """Where the chunk starts in the parameter value (after the leading "=")."""


def _split(template: str) -> list[_Chunk]:
    """n8n's split of a template into text and code (as @n8n/tournament does it): a ``{{`` or
    ``}}`` after an odd number of backslashes is escaped; an unclosed ``{{`` still opens a block;
    ``\\\\`` in text is one backslash and the first ``\\}}`` in code is ``}}``."""
    chunks: list[_Chunk] = []
    code, buffer, start, i = False, "", 0, 0
    while i < len(template):
        found = template.find("}}" if code else "{{", i)
        if found < 0:
            buffer += template[i:]
            chunks.append(_Chunk(code, buffer.replace("\\}}", "}}", 1) if code else buffer, start))
            break
        before = template[i:found]
        if (len(before) - len(before.rstrip("\\"))) % 2:
            buffer += template[i : found + 2]
        else:
            buffer += before
            text = buffer.replace("\\}}", "}}", 1) if code else buffer.replace("\\\\", "\\")
            chunks.append(_Chunk(code, text, start))
            code, buffer, start = not code, "", found + 2
        i = found + 2
    return chunks


@dataclass(frozen=True)
class _Program:
    source: str | None
    """The JavaScript function's source; None when the template is text only."""
    text: str
    json_path: tuple[str, ...] = ()
    """For ``={{ $json.a.b }}`` alone: the keys, read in Python where the answer is plain (the
    sandbox gives the same answer, slower)."""
    static: bool = False
    """It names $getWorkflowStaticData: the execution takes the static data back after it."""


_FUNCTION = "\0fn"
_JSON_PATH = re.compile(r"\$json((?:\.[A-Za-z_$][\w$]*)+)")
_MAX_SAFE_INTEGER = 2**53 - 1


def _plain_lookup(item: Any, path: tuple[str, ...]) -> Any:
    """The value at ``path`` in an item's json when JavaScript would hand back the very same
    value (text, true/false, null, a safe integer); UNDEFINED when the sandbox must decide."""
    value = item.get("json") if isinstance(item, dict) else None
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return UNDEFINED
        value = value[key]
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, int) and abs(value) <= _MAX_SAFE_INTEGER:
        return value
    return UNDEFINED


def first_statement(code: str) -> str:
    """A block cut at its first ``;`` outside brackets: n8n evaluates ``{{ $json.a; }}`` (and
    ``{{ 1; 2 }}``) as the first statement. Nothing before it leaves the block as written."""
    depth = 0
    try:
        tokens = tokenize(code)
    except CodeError:
        return code
    for token in tokens:
        if token.kind != "punct":
            continue
        if token.text in ("(", "[", "{"):
            depth += 1
        elif token.text in (")", "]", "}"):
            depth -= 1
        elif token.text == ";" and depth == 0:
            return code[: token.start] if code[: token.start].strip() else code
    return code


def _block(code: str, value: str, offset: int) -> tuple[str, bool]:
    """A block's code as the sandbox runs it and whether it is guarded (see jscode)."""
    try:
        prepared = prepare(code)
    except CodeError as exc:
        raise ExpressionError(exc.message, value, offset + exc.position) from None
    return prepared.code, prepared.guarded


def _syntax(code: str, value: str, offset: int) -> None:
    """Let the engine parse the block as written, so that errors point into it."""
    try:
        _sandbox.parse(f"(function () {{ with (this) {{ return (\n{code}\n); }} }})")
    except _sandbox.SandboxError as exc:
        position = offset
        lines = code.split("\n")
        if exc.where is None or exc.where[0] - 2 >= len(lines):  # at the end of the block
            position += len(code.rstrip())
        elif exc.where[0] >= 2:
            line = exc.where[0] - 2
            position += sum(len(x) + 1 for x in lines[:line]) + min(
                exc.where[1] - 1, len(lines[line])
            )
        raise ExpressionError(f"invalid syntax: {exc.message}", value, position) from None


@lru_cache(maxsize=4096)
def _program(value: str) -> _Program:
    template = value[1:]
    if re.search(r"\.\s*constructor", template):
        raise ExpressionError("Expression contains invalid constructor function call", value)
    chunks = _split(template)
    if not any(c.code for c in chunks):
        return _Program(None, "".join(c.text for c in chunks))
    blocks: list[str] = []
    parts: list[str] = []
    for chunk in chunks:
        if not chunk.code:
            parts.append(f"r.push({json.dumps(chunk.text)});")
            continue
        offset = chunk.offset + 1
        text = first_statement(chunk.text)
        _syntax(text, value, offset)
        code, guarded = _block(text, value, offset)
        n = len(blocks)
        blocks.append(f"var p{n} = function () {{ with (this) {{ return (\n{code}\n); }} }};")
        call = f"p{n}.call(this)"
        parts.append(
            f"var v{n}; try {{ v{n} = {call}; }} catch (e) {{ E(e); }} r.push(B(v{n}));"
            if guarded
            else f"r.push(B({call}));"
        )
    single = len(chunks) == 2 and not chunks[0].code and chunks[0].text == "" and chunks[1].code
    if single:
        guarded = prepare(first_statement(chunks[1].text)).guarded
        body = (
            "try { return p0.call(this); } catch (e) { E(e); }"
            if guarded
            else "return p0.call(this);"
        )
    else:
        body = "var r = [];\n" + "\n".join(parts) + "\nreturn r.join('');"
    source = "(function (E, B) {\n" + "\n".join(blocks) + "\n" + body + "\n})"
    path = _JSON_PATH.fullmatch(chunks[1].text.strip()) if single else None
    keys = tuple(path.group(1)[1:].split(".")) if path else ()
    if UNSAFE.intersection(keys):
        keys = ()
    return _Program(source, "", keys, _STATIC in template)


def template_parts(value: str) -> list[tuple[str | None, str]]:
    """A template's parts in order: (None, text), or (code, "single" | "mixed") for a block."""
    chunks = _split(value[1:])
    single = len(chunks) == 2 and not chunks[0].code and chunks[0].text == "" and chunks[1].code
    parts: list[tuple[str | None, str]] = []
    for chunk in chunks:
        if chunk.code:
            parts.append((chunk.text, "single" if single else "mixed"))
        elif chunk.text and not single:
            parts.append((None, chunk.text))
    return parts


def _decode(text: str, value: str) -> Any:
    if text == "":
        return UNDEFINED
    try:
        result = json.loads(text)
    except ValueError:
        raise ExpressionError("the expression's value cannot be read as JSON", value) from None
    if isinstance(result, dict) and _FUNCTION in result:
        kind = result[_FUNCTION]
        message = {
            "$": "invalid syntax",
            "DateTime": "this is a DateTime, please access its methods",
        }.get(kind, "this is a function, please add ()")
        raise ExpressionError(message, value)
    return result


def evaluate_js(value: str, ctx: Context) -> Any:
    """The value of one ``=…`` template, with UNDEFINED for JavaScript's undefined."""
    if not is_expression(value):
        return value
    if len(value) == 1:
        return ""
    program = _program(value)
    if program.source is None:
        return program.text
    if program.json_path and 0 <= ctx.index < len(ctx.items):
        found = _plain_lookup(ctx.items[ctx.index], program.json_path)
        if found is not UNDEFINED:
            return found
    box = _sandbox.realm()
    try:
        box.load(ctx.items, ctx.runs, ctx.parent, ctx.env, ctx.meta())
        text = box.run(program.source, ctx.index, ctx.parent, ctx.run_index)
        if program.static:
            box.keep_static()
    except _sandbox.SandboxError as exc:
        if exc.kind == "InternalError" and "memory" in exc.message:
            _sandbox.discard()
            raise ExpressionError("the expression used too much memory", value) from None
        if exc.kind == "InternalError" and "interrupted" in exc.message:
            raise ExpressionError(
                f"the expression ran longer than {_sandbox.TIME_LIMIT:g} s", value
            ) from None
        if exc.kind == "SyntaxError":
            raise ExpressionError(f"invalid syntax: {exc.message}", value) from None
        raise ExpressionError(exc.message, value) from None
    return _decode(text, value)


class ScriptError(InputError):
    """A Code node's JavaScript that failed: the error, and its line in the code when known;
    ``detail`` is the JavaScript error's own message."""

    def __init__(self, message: str, detail: str) -> None:
        super().__init__(message)
        self.detail = detail


@lru_cache(maxsize=256)
def _script(code: str) -> str:
    wrapper = "async function" if re.search(r"\bawait\b", code) else "function"
    return f"(function () {{ with (this) {{ return ({wrapper} () {{\n{code}\n}}).call(this); }} }})"


_STATIC = "getWorkflowStaticData"
"""Code that names it may have changed the static data: the execution takes it back."""


def run_code(code: str, ctx: Context, *, mode: str = "runOnceForAllItems") -> tuple[Any, list[str]]:
    """Run a Code (or Function) node's JavaScript in the sandbox: (what it returned, UNDEFINED
    for undefined, and what it logged). ``mode``: runOnceForAllItems or runOnceForEachItem (the
    Code node), function or functionItem (the older Function nodes; ``item`` is the current
    item's json there). A failure is a ScriptError worded as n8n words it."""
    box = _sandbox.realm()
    try:
        box.load(ctx.items, ctx.runs, ctx.parent, ctx.env, ctx.meta())
        text = box.run_code(_script(code), mode, ctx.index, ctx.parent, ctx.run_index)
        if _STATIC in code:
            box.keep_static()
    except _sandbox.SandboxError as exc:
        if exc.kind == "InternalError" and "memory" in exc.message:
            _sandbox.discard()
            exc.message = "out of memory (more than the run's memory budget, --max-memory)"
        line = exc.where[0] - 1 if exc.where and exc.where[0] > 1 else None
        text = _script_message(exc.kind, exc.message, line, mode, ctx.index)
        raise ScriptError(text, exc.message) from None
    result = json.loads(text)
    return (UNDEFINED if result.get("undefined") else result["value"]), list(result["logs"])


def _script_message(kind: str, message: str, line: int | None, mode: str, index: int) -> str:
    if mode.startswith("function"):  # the Function nodes: the message, then where
        where = "" if line is None else f"Line {line}"
        if mode == "functionItem":
            where = f"{where} | Item Index: {index}" if where else f"Item Index: {index}"
        return f"{message} [{where}]" if where else message
    # the Code node's ExecutionError: the text after the last colon of "Kind: message"
    details = f"{kind}: {message}".split(":")[-1].strip()
    if line is None:
        return details
    each = f", for item {index}" if mode == "runOnceForEachItem" else ""
    return f"{details} [line {line}{each}]"


def evaluate(value: str, ctx: Context) -> JSON:
    """The value of one ``=…`` template (undefined becomes None)."""
    result = evaluate_js(value, ctx)
    return None if result is UNDEFINED else result


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("=")


def resolve(value: Any, ctx: Context, *, keep_undefined: bool = False) -> Any:
    """Evaluate every ``=…`` string inside a parameter value (dicts and lists recursively);
    undefined becomes None, or stays UNDEFINED with ``keep_undefined``."""
    if isinstance(value, str):
        if not is_expression(value):
            return value
        return evaluate_js(value, ctx) if keep_undefined else evaluate(value, ctx)
    if isinstance(value, dict):
        return {k: resolve(v, ctx, keep_undefined=keep_undefined) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, ctx, keep_undefined=keep_undefined) for v in value]
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
    _program(value)
