"""n8n's conditions, as the If, Filter and Switch nodes evaluate them: version 2 (the filter
parameter: typed operators, strict or loose type validation, case sensitivity) and version 1
(``conditions: {string: [...], number: [...], …}`` with ``combineOperation``)."""

from __future__ import annotations

import email.utils
import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from .values import ConversionError, convert, js_number, js_string, js_type


class ConditionError(ValueError):
    """n8n's FilterError: a value of the wrong type, with n8n's message."""


# --------------------------------------------------------------------------- version 2


def passes(
    filter_value: Mapping[str, Any],
    index: int,
    zone: str,
    loose: bool | None = None,
    ignore_case: bool | None = None,
) -> bool:
    """n8n's executeFilter for one item; ``loose``/``ignore_case`` are the node's overrides."""
    options = dict(filter_value.get("options") or {})
    if loose is not None:
        options["typeValidation"] = "loose" if loose else "strict"
    if ignore_case is not None:
        options["caseSensitive"] = not ignore_case
    conditions = filter_value.get("conditions") or []
    results = (_condition(c, options, n, index, zone) for n, c in enumerate(conditions))
    if filter_value.get("combinator", "and") == "or":
        return any(results)
    return all(results)


def _parse(value: Any, kind: str, strict: bool, version: int, zone: str) -> tuple[bool, Any]:
    """(valid, value) as n8n's parseSingleFilterValue."""
    if kind == "any" or value is None:
        return True, value
    if kind == "boolean" and not strict:
        if version >= 2:
            try:
                return True, convert("", value, "boolean")
            except ConversionError:
                pass
        return True, _truthy(value)
    if kind == "number" and isinstance(value, float) and math.isnan(value):
        return True, value
    if strict and kind in ("string", "number", "boolean") and not _is(value, kind):
        return False, None
    try:
        if kind == "dateTime":
            return True, _millis(value, zone)
        if kind == "string":
            return True, js_string(value) if not isinstance(value, str) else value
        return True, convert("", value, kind)
    except (ConversionError, ValueError):
        return False, None


def _is(value: Any, kind: str) -> bool:
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, str)


def _truthy(value: Any) -> bool:
    if isinstance(value, float) and math.isnan(value):
        return False
    if isinstance(value, dict | list):
        return True
    return bool(value)


def _millis(value: Any, zone: str) -> float:
    """n8n's tryToParseDateTime, to epoch milliseconds: ISO, HTTP, RFC 2822, SQL dates."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("not a date")
    text = str(value).strip()
    iso = text.replace(" ", "T", 1) if re.match(r"^\d{4}-\d\d-\d\d \d", text) else text
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            raise ValueError("not a date") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone) if zone != "UTC" else UTC)
    return moment.timestamp() * 1000


def _article(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def _condition(
    condition: Mapping[str, Any], options: Mapping[str, Any], n: int, index: int, zone: str
) -> bool:
    operator = condition.get("operator") or {}
    kind, operation = operator.get("type", "string"), operator.get("operation", "equals")
    right_kind = operator.get("rightType", kind)
    strict = options.get("typeValidation") == "strict"  # absent: loose, as in n8n
    version = int(options.get("version", 1))
    raw_left, raw_right = condition.get("leftValue"), condition.get("rightValue")
    left_ok, left = _parse(raw_left, kind, strict, version, zone)
    right_ok, right = _parse(raw_right, right_kind, strict, version, zone)
    right_ok = right_ok or bool(operator.get("singleValue"))
    suffix = f"[condition {n}, item {index}]"
    if not left_ok and not right_ok and js_type(raw_left) == js_type(raw_right):
        raise ConditionError(
            f"Comparison type expects {_article(kind)} but both fields are "
            f"{_article(js_type(raw_left))}"
        )
    for ok, raw, expected in ((left_ok, raw_left, kind), (right_ok, raw_right, right_kind)):
        if not ok:
            got = js_type(raw)
            if strict:
                raise ConditionError(
                    f"Wrong type: '{js_string(raw)}' is {_article(got)} but was expecting "
                    f"{_article(expected)} {suffix}"
                )
            raise ConditionError(
                f"Conversion error: the {got} '{js_string(raw)}' can't be converted to "
                f"{_article(expected)} {suffix}"
            )
    if not left_ok:
        left = None
    exists = left is not None and not (isinstance(left, float) and math.isnan(left))
    if operation == "exists":
        return exists
    if operation == "notExists":
        return not exists
    ignore_case = not options.get("caseSensitive", True)
    return _compare(kind, operation, left, right, exists, ignore_case)


def _compare(kind: str, op: str, left: Any, right: Any, exists: bool, ignore_case: bool) -> bool:
    if kind == "string":
        left_text, right_text = left if left is not None else "", right if right is not None else ""
        if ignore_case:
            left_text = left_text.lower() if isinstance(left_text, str) else left_text
            if op not in ("regex", "notRegex") and isinstance(right_text, str):
                right_text = right_text.lower()
        table: dict[str, Callable[[], bool]] = {
            "empty": lambda: len(left_text) == 0,
            "notEmpty": lambda: len(left_text) != 0,
            "equals": lambda: left_text == right_text,
            "notEquals": lambda: left_text != right_text,
            "contains": lambda: right_text in left_text,
            "notContains": lambda: right_text not in left_text,
            "startsWith": lambda: left_text.startswith(right_text),
            "notStartsWith": lambda: not left_text.startswith(right_text),
            "endsWith": lambda: left_text.endswith(right_text),
            "notEndsWith": lambda: not left_text.endswith(right_text),
            "regex": lambda: _regex(right_text).search(left_text) is not None,
            "notRegex": lambda: _regex(right_text).search(left_text) is None,
        }
        return bool(table[op]()) if op in table else False
    if kind in ("number", "dateTime"):
        if op == "empty":
            return not exists
        if op == "notEmpty":
            return exists
        if left is None or right is None:
            return False if kind == "dateTime" or op not in ("notEquals",) else left != right
        ops = {
            "equals": left == right,
            "notEquals": left != right,
            "gt": left > right,
            "lt": left < right,
            "gte": left >= right,
            "lte": left <= right,
            "after": left > right,
            "before": left < right,
            "afterOrEquals": left >= right,
            "beforeOrEquals": left <= right,
        }
        return bool(ops.get(op, False))
    if kind == "boolean":
        ops = {
            "empty": not exists,
            "notEmpty": exists,
            "true": bool(left),
            "false": not left,
            "equals": left == right,
            "notEquals": left != right,
        }
        return bool(ops.get(op, False))
    if kind == "array":
        items = left if isinstance(left, list) else []
        size = js_number(right) if right is not None else math.nan
        ops = {
            "contains": _contains(items, right, ignore_case),
            "notContains": not _contains(items, right, ignore_case),
            "lengthEquals": len(items) == size,
            "lengthNotEquals": len(items) != size,
            "lengthGt": len(items) > size,
            "lengthLt": len(items) < size,
            "lengthGte": len(items) >= size,
            "lengthLte": len(items) <= size,
            "empty": len(items) == 0,
            "notEmpty": len(items) != 0,
        }
        return bool(ops.get(op, False))
    if kind == "object":
        if op == "empty":
            return not left or len(left) == 0
        if op == "notEmpty":
            return bool(left) and len(left) != 0
    return False


def _contains(items: Sequence[Any], value: Any, ignore_case: bool) -> bool:
    if ignore_case and isinstance(value, str):
        return any(isinstance(i, str) and i.lower() == value.lower() for i in items)
    return any(_same(i, value) for i in items)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return (type(a) is type(b) and a == b) or (
        isinstance(a, int | float) and isinstance(b, int | float) and a == b
    )


def _regex(pattern: str) -> re.Pattern[str]:
    """n8n's parseRegexPattern: ``/body/flags`` or a bare pattern."""
    match = re.fullmatch(r"/(.*?)/([gimusy]*)", pattern or "", re.S)
    body, flags = (match.group(1), match.group(2)) if match else (pattern or "", "")
    value = 0
    for flag, bit in (("i", re.I), ("m", re.M), ("s", re.S)):
        if flag in flags:
            value |= bit
    try:
        return re.compile(body, value)
    except re.error as exc:
        raise ConditionError(f"Invalid regular expression: /{body}/: {exc}") from None


# --------------------------------------------------------------------------- version 1


def passes_v1(conditions: Mapping[str, Any], combine: str) -> bool:
    """If/Filter version 1: the typed rules in n8n's order (boolean, dateTime, number, string),
    stopping at the first that decides: ``combine`` is all or any."""
    for kind in ("boolean", "dateTime", "number", "string"):
        for rule in conditions.get(kind) or []:
            if rule_v1(kind, rule) == (combine == "any"):
                return combine == "any"
    return combine == "all"


def _epoch(value: Any) -> float:
    """Version 1's convertDateTime: a number is epoch milliseconds, a text a date."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    try:
        if isinstance(value, str):
            return _millis(value, "UTC")
    except ValueError:
        pass
    raise ConditionError(f'The value "{js_string(value)}" is not a valid DateTime.')


def _v1_empty(value: Any) -> bool:
    """If version 1's isEmpty: undefined, null, "", NaN, or an object or array without entries."""
    if isinstance(value, dict | list):
        return not value
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


_V1_DEFAULTS: dict[str, Any] = {"boolean": False, "number": 0, "string": "", "dateTime": ""}


def rule_v1(kind: str, rule: Mapping[str, Any]) -> bool:
    """One typed rule of If version 1 or Switch versions 1 and 2 (the same comparisons):
    ``value1`` against ``value2`` with ``operation`` (its default is the data type's)."""
    op = rule.get("operation", {"dateTime": "after", "number": "smaller"}.get(kind, "equal"))
    default = _V1_DEFAULTS.get(kind, "")
    a = rule.get("value1", default)  # values are compared as they come: "true" is not true
    b = rule.get("value2", default)
    if kind == "number":
        if op in ("isEmpty", "isNotEmpty"):
            return _v1_empty(a) is (op == "isEmpty")
        a = 0 if a is None else a
        b = 0 if b is None else b
    if kind == "dateTime":
        x, y = _epoch(a), _epoch(b)
        return x > y if op == "after" else x < y
    if kind == "string":
        a_text, b_text = (
            js_string(a) if a is not None else "",
            js_string(b) if b is not None else "",
        )
        string_ops = {
            "contains": b_text in a_text,
            "notContains": b_text not in a_text,
            "startsWith": a_text.startswith(b_text),
            "notStartsWith": not a_text.startswith(b_text),
            "endsWith": a_text.endswith(b_text),
            "notEndsWith": not a_text.endswith(b_text),
            "isEmpty": _v1_empty(a),
            "isNotEmpty": not _v1_empty(a),
        }
        if op in string_ops:
            return bool(string_ops[op])
        if op in ("regex", "notRegex"):
            found = _regex(b_text).search(a_text) is not None
            return found if op == "regex" else not found
    ops = {
        "equal": _same(a, b),
        "notEqual": not _same(a, b),
        "smaller": _lt(a, b),
        "smallerEqual": _lt(a, b) or _same(a, b),
        "larger": _lt(b, a),
        "largerEqual": _lt(b, a) or _same(a, b),
    }
    return bool(ops.get(op, False))


def _lt(a: Any, b: Any) -> bool:
    try:
        return bool(a < b)
    except TypeError:
        return js_number(a) < js_number(b)
