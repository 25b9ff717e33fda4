"""Value conversions n8n's nodes share (n8n-workflow's validateFieldType, lodash's set/get on
dotted paths), for the node types that need them."""

from __future__ import annotations

import json
import math
import re
from itertools import pairwise
from typing import Any

_JS_NUMBER = re.compile(
    r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|Infinity)|0[xX][0-9a-fA-F]+"
    r"|0[oO][0-7]+|0[bB][01]+"
)


class ConversionError(ValueError):
    """A value that is not of the type asked for: n8n's message."""


def js_number(value: Any) -> float:
    """JavaScript's Number(value)."""
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return 0.0
        if _JS_NUMBER.fullmatch(text):
            if text[:2].lower() in ("0x", "0o", "0b"):
                return float(int(text, 0))
            return float(text.replace("Infinity", "inf"))
        return math.nan
    if isinstance(value, list):
        return js_number(value[0]) if len(value) == 1 else (0.0 if not value else math.nan)
    return math.nan


def plain_number(number: float) -> int | float:
    """A JSON number as JavaScript writes it: integral values without a fraction."""
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def describe(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if value is None:
        return "'null'"
    return f"'{js_string(value)}'"


def js_string(value: Any) -> str:
    """JavaScript's String(value) for JSON values (objects as JSON, as n8n's conversions do)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return (
            str(plain_number(value))
            if math.isfinite(value)
            else ("NaN" if value != value else "Infinity")
        )
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def convert(name: str, value: Any, kind: str) -> Any:
    """n8n's validateFieldType(name, value, kind) in loose mode: the converted value, or
    ConversionError with n8n's message. None stays None."""
    if value is None:
        return None
    problem = ConversionError(f"'{name}' expects a {kind} but we got {describe(value)}")
    if kind == "string":
        return js_string(value) if not isinstance(value, str) else value
    if kind == "number":
        number = js_number(value)
        if math.isnan(number):
            raise problem
        return plain_number(number)
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if not (isinstance(value, str) and not value.strip()):
            number = js_number(value)
            if number in (0.0, 1.0):
                return number == 1.0
        raise problem
    if kind == "array":
        if isinstance(value, list):
            return value
        for text in (js_string(value), js_string(value).replace("'", '"')):
            try:
                parsed = json.loads(text)
            except ValueError:
                continue
            if isinstance(parsed, list):
                return parsed
        raise problem
    if kind == "object":
        if isinstance(value, dict):
            return value
        try:
            parsed = json.loads(js_string(value))
        except ValueError:
            raise problem from None
        if not isinstance(parsed, dict):
            raise problem
        return parsed
    return value


def _path(dotted: str) -> list[str | int]:
    """lodash's path syntax: ``a.b[0].c`` -> ['a', 'b', 0, 'c']."""
    parts: list[str | int] = []
    for piece in re.finditer(r"([^.[\]]+)|\[(\d+)\]", dotted):
        parts.append(int(piece.group(2)) if piece.group(2) is not None else piece.group(1))
    return parts or [dotted]


def set_path(target: dict[str, Any], dotted: str, value: Any) -> None:
    """lodash.set: create the objects (or arrays, for a numeric key) along the way."""
    keys = _path(dotted)
    node: Any = target
    for key, following in pairwise(keys):
        child = node[key] if _has(node, key) else None
        if not isinstance(child, dict | list):
            child = [] if isinstance(following, int) else {}
            _put(node, key, child)
        node = child
    _put(node, keys[-1], value)


def get_path(source: Any, dotted: str, default: Any = None) -> Any:
    node = source
    for key in _path(dotted):
        if not _has(node, key):
            return default
        node = node[key]
    return node


def without(value: Any, marker: Any) -> Any:
    """``value`` without the entries that are ``marker`` (JavaScript's undefined, which JSON
    leaves out), at any depth."""
    if isinstance(value, dict):
        return {k: without(v, marker) for k, v in value.items() if v is not marker}
    if isinstance(value, list):
        return [None if v is marker else without(v, marker) for v in value]
    return value


def unset_path(target: Any, dotted: str) -> None:
    keys = _path(dotted)
    parent = get_path(target, ".".join(str(k) for k in keys[:-1])) if len(keys) > 1 else target
    if isinstance(parent, dict):
        parent.pop(keys[-1], None)


def _has(node: Any, key: str | int) -> bool:
    if isinstance(node, dict):
        return str(key) in node
    return isinstance(node, list) and isinstance(key, int) and key < len(node)


def _put(node: Any, key: str | int, value: Any) -> None:
    if isinstance(node, list) and isinstance(key, int):
        node.extend([None] * (key + 1 - len(node)))
        node[key] = value
    else:
        node[str(key)] = value
