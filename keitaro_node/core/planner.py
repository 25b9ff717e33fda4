"""Pure: (operation, validated parameters) -> RequestPlan. Places each property's value."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from ..dotted import set_dotted
from ..model import JSON, Operation, Property, RequestPlan


def query_value(value: Any) -> str:
    """How a parameter value is written in a query string (JSON spelling for non-strings)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _filter(prop: Property, value: Any) -> dict[str, JSON]:
    if prop.operator == "BOOLEAN":
        return {"name": prop.target, "operator": "IS_TRUE" if value else "IS_FALSE"}
    return {"name": prop.target, "operator": prop.operator, "expression": value}


def _place(
    props: Iterable[Property],
    params: Mapping[str, Any],
    path: dict[str, str],
    query: list[tuple[str, str]],
    body: dict[str, Any],
) -> None:
    for prop in props:
        if prop.name not in params:
            continue
        value = params[prop.name]
        if prop.type == "collection":
            _place(prop.options, value, path, query, body)
        elif prop.placement == "path":
            path[prop.name] = quote(query_value(value), safe="")
        elif (
            prop.key is None and isinstance(value, Mapping) and prop.placement in ("query", "body")
        ):
            merged = {prop.rename.get(k, k): v for k, v in value.items()}
            if prop.placement == "query":
                query.extend((k, query_value(v)) for k, v in merged.items())
            else:
                body.update(merged)
        elif prop.placement == "query":
            query.append((prop.target, query_value(value)))
        elif prop.placement == "body":
            set_dotted(body, prop.target, value, extend=True)
        elif prop.placement == "filter":
            set_dotted(body, "filters", [_filter(prop, value)], extend=True)


def plan(op: Operation, params: Mapping[str, Any]) -> RequestPlan:
    """The request for one item. Path values are URL-quoted; control properties are skipped."""
    path: dict[str, str] = {}
    query: list[tuple[str, str]] = []
    body: dict[str, Any] = {}
    _place(op.properties, params, path, query, body)
    return RequestPlan(
        method=op.method,
        path=op.path.format_map(path) if path else op.path,
        query=tuple(query),
        body=body if body or op.sends_body else None,
        idempotent=op.idempotent,
        endpoint=op.endpoint,
    )
