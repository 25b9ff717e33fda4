"""Keitaro's official OpenAPI document as JSON Schemas (test data; never read at run time)."""

from __future__ import annotations

import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from .conftest import REFERENCE

OPENAPI_FILE = Path(
    os.environ.get("KEITARO_OPENAPI") or REFERENCE / "keitaro-admin-api-v1.openapi.json"
)
"""Keitaro's document is theirs, not copied here: set KEITARO_OPENAPI to where yours is."""
_PLACEHOLDER = re.compile(r"\{[^}]+\}")


@cache
def document() -> dict[str, Any]:
    if not OPENAPI_FILE.exists():
        if os.environ.get("KEITARO_REQUIRE_REFERENCE"):
            pytest.fail(f"{OPENAPI_FILE} is missing")
        pytest.skip(f"Keitaro's OpenAPI document is not at {OPENAPI_FILE} (set KEITARO_OPENAPI)")
    return json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))


def shape(path: str) -> str:
    """A path template with its placeholder names erased: /campaigns/{} ."""
    return _PLACEHOLDER.sub("{}", path)


@cache
def operations() -> dict[tuple[str, str], dict[str, Any]]:
    """(METHOD, shaped path) -> the OpenAPI operation object, with its template path added."""
    out = {}
    for path, ops in document()["paths"].items():
        for method, op in ops.items():
            if method != "parameters":
                out[(method.upper(), shape(path))] = {**op, "x-path": path}
    return out


def _convert(node: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema 2020-12: refs to $defs, nullable to a null type."""
    if isinstance(node, list):
        return [_convert(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _convert(v) for k, v in node.items() if k not in ("nullable", "example", "xml")}
    if "$ref" in out:
        out["$ref"] = out["$ref"].replace("#/components/schemas/", "#/$defs/")
    if node.get("nullable") and "type" in out:
        out["type"] = (
            [out["type"], "null"] if isinstance(out["type"], str) else [*out["type"], "null"]
        )
    return out


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    defs = _convert(document()["components"]["schemas"])
    return Draft202012Validator({**_convert(schema), "$defs": defs})


def json_schema_of(content: dict[str, Any] | None) -> dict[str, Any] | None:
    if not content:
        return None
    media = content.get("application/json") or next(iter(content.values()))
    return media.get("schema")
