"""Report filters: the operators a report or a log request may filter by, each as the tracker
applies it (regular expressions bounded in time, as PCRE's backtrack limit)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import regex

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .reports import Ctx


class ReportError(Exception):
    """A bad report request: the tracker answers 400 ``{"error": message}``."""


def number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _same(a: Any, b: Any) -> bool:
    na, nb = number(a), number(b)
    if na is not None and nb is not None:
        return na == nb
    if isinstance(b, str) and b.lower() in ("true", "false") and isinstance(a, int):
        return bool(a) == (b.lower() == "true")
    return str(a if a is not None else "") == str(b if b is not None else "")


def _as_list(expression: Any) -> list[Any]:
    if isinstance(expression, list):
        return expression
    if isinstance(expression, str):
        return [p.strip() for p in expression.split(",") if p.strip()]
    return [expression]


REGEX_SECONDS = 0.05
"""A filter's regular expression may spend this long on one value (a tracker's PCRE has a
backtracking limit too): ``^(a+)+$`` must not block the server."""


@lru_cache(maxsize=256)
def _regexp(expression: Any) -> regex.Pattern[str]:
    text = str(expression)
    if len(text) >= 2 and text.startswith("/") and text.rfind("/") > 0:
        text = text[1 : text.rfind("/")]
    try:
        return regex.compile(text)
    except regex.error as exc:
        raise ReportError(f"Incorrect regular expression {expression!r}: {exc}") from None


def _matches(expression: Any, value: Any) -> bool:
    try:
        return _regexp(expression).search(str(value or ""), timeout=REGEX_SECONDS) is not None
    except TimeoutError:
        raise ReportError(
            f"Regular expression {expression!r} is too costly (backtracking limit)"
        ) from None


def _compare(op: Callable[[float, float], bool]) -> Callable[[Any, Any], bool]:
    def check(value: Any, expression: Any) -> bool:
        a, b = number(value), number(expression)
        return a is not None and b is not None and op(a, b)

    return check


def _between(value: Any, expression: Any) -> bool:
    bounds = _as_list(expression)
    if len(bounds) != 2:
        raise ReportError("BETWEEN needs an array of two values")
    a, low, high = number(value), number(bounds[0]), number(bounds[1])
    if a is None or low is None or high is None:
        return str(bounds[0]) <= str(value) <= str(bounds[1])
    return low <= a <= high


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "EQUALS": _same,
    "NOT_EQUAL": lambda v, e: not _same(v, e),
    "GREATER_THAN": _compare(lambda a, b: a > b),
    "LESS_THAN": _compare(lambda a, b: a < b),
    "EQUALS_OR_GREATER_THAN": _compare(lambda a, b: a >= b),
    "EQUALS_OR_LESS_THAN": _compare(lambda a, b: a <= b),
    "MATCH_REGEXP": lambda v, e: _matches(e, v),
    "NOT_MATCH_REGEXP": lambda v, e: not _matches(e, v),
    "BEGINS_WITH": lambda v, e: str(v or "").startswith(str(e)),
    "ENDS_WITH": lambda v, e: str(v or "").endswith(str(e)),
    "CONTAINS": lambda v, e: str(e) in str(v or ""),
    "NOT_CONTAIN": lambda v, e: str(e) not in str(v or ""),
    "IN_LIST": lambda v, e: any(_same(v, x) for x in _as_list(e)),
    "NOT_IN_LIST": lambda v, e: not any(_same(v, x) for x in _as_list(e)),
    "BETWEEN": _between,
    "IS_SET": lambda v, e: v not in (None, "", 0),
    "IS_NOT_SET": lambda v, e: v in (None, "", 0),
    "IS_TRUE": lambda v, e: bool(v),
    "IS_FALSE": lambda v, e: not v,
}
LABEL_OPERATORS = frozenset({"HAS_LABEL", "NOT_HAS_LABEL"})


@dataclass(frozen=True)
class Filter:
    name: str
    operator: str
    expression: Any

    @classmethod
    def parse(cls, raw: Any, known: Iterable[str]) -> Filter:
        if not isinstance(raw, Mapping) or "name" not in raw or "operator" not in raw:
            raise ReportError("A filter needs name and operator")
        name, operator = str(raw["name"]), str(raw["operator"]).upper()
        if name not in known:
            raise ReportError(f"Unknown filter field {name!r}")
        if operator not in OPERATORS and operator not in LABEL_OPERATORS:
            raise ReportError(f"Unknown operator {raw['operator']!r}")
        return cls(name, operator, raw.get("expression"))

    def matches(self, value: Any, ctx: Ctx | None = None) -> bool:
        if self.operator in LABEL_OPERATORS:
            labels = ctx.cat.labels.get((ctx.click["campaign_id"], self.name), {}) if ctx else {}
            has = labels.get(str(value)) == str(self.expression)
            return has if self.operator == "HAS_LABEL" else not has
        return OPERATORS[self.operator](value, self.expression)
