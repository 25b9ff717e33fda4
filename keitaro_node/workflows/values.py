"""Value conversions n8n's nodes share (n8n-workflow's validateFieldType, lodash's set/get on
dotted paths), for the node types that need them."""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
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
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) or (isinstance(value, int) and abs(value) >= 2**53):
        return _js_float(float(value))  # a JavaScript number: a double
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def _js_float(number: float) -> str:
    """Number.prototype.toString (ECMAScript's Number::toString on the shortest digits)."""
    if number != number:
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0:
        return "0"
    _, digits_tuple, exponent = Decimal(repr(abs(number))).normalize().as_tuple()
    digits = "".join(map(str, digits_tuple))
    k, n = len(digits), len(digits) + int(exponent)
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = f"{digits[:n]}.{digits[n:]}"
    elif -6 < n <= 0:
        text = "0." + "0" * -n + digits
    else:
        mantissa = digits if k == 1 else f"{digits[0]}.{digits[1:]}"
        text = f"{mantissa}e{'+' if n > 0 else '-'}{abs(n - 1)}"
    return "-" + text if number < 0 else text


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


def equal_key(value: Any) -> Any:
    """A hashable stand-in for a JSON value: two values have equal keys exactly when lodash's
    isEqual finds them equal (numbers by value, so 1 and 1.0 are one; key order ignored)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return (type(value).__name__, value)
    if isinstance(value, int | float):
        return ("number", float(value))
    if isinstance(value, list):
        return ("array", tuple(equal_key(v) for v in value))
    if isinstance(value, dict):
        return ("object", frozenset((k, equal_key(v)) for k, v in value.items()))
    return ("other", repr(value))


def js_type(value: Any) -> str:
    """JavaScript's typeof for a JSON value."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string" if isinstance(value, str) else "object"


def js_text(value: Any) -> str:
    """JavaScript's String(value) for a JSON value as JavaScript itself writes it: an array
    joined with commas, an object "[object Object]" (js_string writes objects as JSON, as n8n's
    conversions do)."""
    if isinstance(value, list):
        return ",".join("" if v is None else js_text(v) for v in value)
    return "[object Object]" if isinstance(value, dict) else js_string(value)


def js_less(a: Any, b: Any, missing: Any = None) -> bool:
    """JavaScript's ``a < b`` (lodash's lt) for JSON values: arrays and objects as their text,
    two texts by UTF-16 code units, anything else as numbers (``missing``: undefined, NaN)."""
    x, y = (js_text(v) if isinstance(v, list | dict) else v for v in (a, b))
    if isinstance(x, str) and isinstance(y, str):
        return x.encode("utf-16-be") < y.encode("utf-16-be")
    nx = math.nan if x is missing and missing is not None else js_number(x)
    ny = math.nan if y is missing and missing is not None else js_number(y)
    return nx < ny


def fuzzy_equal(a: Any, b: Any, missing: Any) -> bool:
    """n8n's fuzzyCompare (version 1), as the Merge node matches fields with "Fuzzy Compare":
    "1" is 1, "true" is true, 1 is true, null, "" and [] are one another and a missing
    field, and a text holding JSON is the object it writes. ``missing`` marks an absent field."""

    def kind(v: Any) -> str:
        return "undefined" if v is missing else js_type(v)

    def empty(v: Any) -> bool:
        return v is None or v == "" or v == []

    ka, kb = kind(a), kind(b)
    if a is not None and b is not None and ka == kb:
        return ka == "undefined" or equal_key(a) == equal_key(b)
    if (empty(a) and (empty(b) or kb == "undefined")) or (ka == "undefined" and empty(b)):
        return True
    for x, y, kx, ky in ((a, b, ka, kb), (b, a, kb, ka)):
        if kx == "number" and ky == "string":
            return bool(js_string(x) == y)
        if kx == "object" and x is not None and ky == "string":
            try:
                return bool(equal_key(json.loads(y)) == equal_key(x))
            except ValueError:
                return False
        if kx == "boolean" and ky == "string" and y.lower() == ("true" if x else "false"):
            return True
        if kx == "boolean" and ky == "number" and y == (1 if x else 0):
            return True
        if kx == "boolean" and ky == "string" and y == ("1" if x else "0"):
            return True
    return ka != "undefined" and kb != "undefined" and equal_key(a) == equal_key(b)


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
        node = node[int(key)] if isinstance(node, list) else node[str(key)]
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
    index = _index(key)
    return isinstance(node, list) and index is not None and index < len(node)


def _index(key: str | int) -> int | None:
    """An array index as lodash reads one: ``[0]`` or ``.0``."""
    if isinstance(key, int):
        return key
    return int(key) if key.isascii() and key.isdigit() else None


def _put(node: Any, key: str | int, value: Any) -> None:
    if isinstance(node, list) and isinstance(key, int):
        node.extend([None] * (key + 1 - len(node)))
        node[key] = value
    else:
        node[str(key)] = value
