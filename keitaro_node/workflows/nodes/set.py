"""``set``: set fields on each item: n8n's Set node in every version (1, 2, 3.0-3.4: manual
fields with types, raw JSON, include/exclude, dot notation), or the short YAML form ``fields``."""

from __future__ import annotations

import copy
import json
import math
import re
import uuid
from collections.abc import Mapping
from typing import Any

from ... import expressions
from ...expressions import UNDEFINED
from ...model import Definition, Item
from ...outcomes import Failure
from ..model import NodeFailed, WorkflowNode
from ..pairing import paired
from ..values import (
    ConversionError,
    convert,
    get_path,
    js_number,
    plain_number,
    set_path,
    unset_path,
    without,
)
from .base import Checker, NodeType, Problems, Results, Run, failed

SET = "n8n-nodes-base.set"


async def run(node: WorkflowNode, items: list[Item], parent: str | None, ctx: Run) -> Results:
    out: list[Item | Failure] = []
    for i, item in enumerate(items):
        if node.get("parameters") is None:  # the short YAML form
            fields = expressions.resolve(node.get("fields"), ctx.context(items, i, parent))
            base = {} if node.get("keepOnlySet", True) else dict(item["json"])
            out.append({"json": {**base, **fields}, "pairedItem": paired(i)})
            continue
        context = ctx.context(items, i, parent)
        params = expressions.resolve(node.get("parameters"), context, keep_undefined=True)
        try:
            json_out = n8n_set(params, float(node.get("typeVersion", 3.4)), item["json"], i)
        except ConversionError as exc:
            error: dict[str, Any] = {"error": str(exc)}
            if params.get("mode") != "raw":  # n8n's manual mode writes pairedItem into json
                error["pairedItem"] = {"item": i}
            stop = NodeFailed(node.name, i, str(exc), None)
            out.append(failed(node, stop, {"json": error, "pairedItem": paired(i)}))
            continue
        out.append({"json": json_out, "pairedItem": paired(i)})
    return {"main": out}


def _json_output(raw: Any, index: int) -> dict[str, Any]:
    """n8n's parseJsonParameter: JSON, or JSON after n8n's repairs (single quotes, bare keys,
    trailing commas); it must be an object."""
    data = raw
    if isinstance(raw, str):
        try:
            data = json.loads(raw)
        except ValueError:
            repaired = re.sub(r"(['\"])?([a-zA-Z0-9_]+)(['\"])?:", r'"\2":', raw.replace("'", '"'))
            repaired = re.sub(r",+$", "", re.sub(r",\s*([\]}])", r"\1", repaired))
            try:
                data = json.loads(repaired)
            except ValueError:
                raise ConversionError(
                    f"The 'JSON Output' in item {index} contains invalid JSON"
                ) from None
    if not isinstance(data, dict):
        raise ConversionError(
            f"The 'JSON Output' in item {index} does not contain a valid JSON object"
        )
    return data


def n8n_set(
    params: Mapping[str, Any], version: float, source: dict[str, Any], index: int = 0
) -> dict[str, Any]:
    """One item (number ``index``) through n8n's Set node (parameters already resolved); a
    failure is a ConversionError with n8n's message."""
    options = params.get("options") or {}
    dotted = options.get("dotNotation", True) is not False
    if version < 3:
        fields = {
            v.get("name", ""): _v1_value(kind, v.get("value", _V1_DEFAULTS.get(kind)), version)
            for kind in ("boolean", "number", "string")
            for v in (params.get("values") or {}).get(kind) or []
        }
        base = {} if params.get("keepOnlySet") else copy.deepcopy(source)
        return _defined(_place(base, fields, dotted))
    if params.get("mode") == "raw":
        fields = _json_output(params.get("jsonOutput", "{}"), index)
    else:
        fields = {}
        for name, value, kind in _entries(params, version):
            plain = None if value is UNDEFINED else value
            try:
                fields[name] = convert(name, plain, kind)
            except ConversionError as exc:
                if not options.get("ignoreConversionErrors"):
                    raise ConversionError(f"{exc} [item {index}]") from None
                fields[name] = plain
    return _defined(_place(_included(params, version, source, dotted), fields, dotted))


def _defined(value: dict[str, Any]) -> dict[str, Any]:
    """The item's json as JSON keeps it: fields that are undefined are left out."""
    result: dict[str, Any] = without(value, UNDEFINED)
    return result


_V1_DEFAULTS = {"string": "", "number": 0, "boolean": False}


def _v1_value(kind: str, value: Any, version: float) -> Any:
    """Versions 1 and 2: booleans are JavaScript's truthiness; version 2 turns a number field's
    text into the number it spells (JavaScript's Number); other values stay as given."""
    if kind == "boolean":
        return value is not UNDEFINED and _truthy(value)
    if kind == "number" and version >= 2 and isinstance(value, str):
        number = js_number(value)
        return value if math.isnan(number) else plain_number(number)
    return value


def _truthy(value: Any) -> bool:
    if isinstance(value, dict | list):
        return True
    if isinstance(value, float) and value != value:
        return False
    return bool(value)


def _entries(params: Mapping[str, Any], version: float) -> list[tuple[str, Any, str]]:
    if version >= 3.3:
        assignments = (params.get("assignments") or {}).get("assignments") or []
        return [(a.get("name", ""), a.get("value"), a.get("type", "string")) for a in assignments]
    out = []
    for field in (params.get("fields") or {}).get("values") or []:
        key = field.get("type", "stringValue")
        out.append((field.get("name", ""), field.get(key), key.removesuffix("Value")))
    return out


def _included(
    params: Mapping[str, Any], version: float, source: dict[str, Any], dotted: bool
) -> dict[str, Any]:
    """The input fields kept: all, none, the selected ones, or all but the excluded ones."""
    if version >= 3.3:
        include = params.get("include", "all") if params.get("includeOtherFields") else "none"
    else:
        include = params.get("include", "all")
    if include == "all":
        return copy.deepcopy(source)
    if include == "selected":
        kept: dict[str, Any] = {}
        for key in _names(params.get("includeFields")):
            value = get_path(source, key, UNDEFINED) if dotted else source.get(key, UNDEFINED)
            kept[key.split(".")[-1] if dotted else key] = copy.deepcopy(value)
        return kept
    if include == "except":
        rest = copy.deepcopy(source)
        for key in _names(params.get("excludeFields")):
            unset_path(rest, key) if dotted else rest.pop(key, None)
        return rest
    return {}


def _names(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value]
    return [v.strip() for v in str(value or "").split(",") if v.strip()]


def _place(base: dict[str, Any], fields: Mapping[str, Any], dotted: bool) -> dict[str, Any]:
    for name, value in fields.items():
        if dotted:
            set_path(base, name, value)
        else:
            base[name] = value
    return base


def from_n8n(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {"typeVersion": raw.get("typeVersion", 1), "parameters": raw.get("parameters") or {}}


def check(node: Mapping[str, Any], checker: Checker) -> Problems:
    if ("fields" in node) == ("parameters" in node):
        return [([], "a set node has either 'fields' (the short form) or n8n's 'parameters'")]
    return []


def to_n8n(node: WorkflowNode, definition: Definition) -> dict[str, Any]:
    if node.get("parameters") is not None:
        return {
            "type": SET,
            "typeVersion": node.get("typeVersion", 3.4),
            "parameters": node.get("parameters"),
        }
    fields = node.get("fields")
    keep_others = not node.get("keepOnlySet", True)
    if expressions.has_expressions(fields):  # types known only when it runs: raw JSON mode
        return {
            "type": SET,
            "typeVersion": 3.4,
            "parameters": {
                "mode": "raw",
                "jsonOutput": "={{ " + _js(fields) + " }}",
                "includeOtherFields": keep_others,
                "options": {},
            },
        }
    assignments = [
        {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{node.name}/{k}")),
            "name": k,
            "value": v,
            "type": _type_of(v),
        }
        for k, v in fields.items()
    ]
    return {
        "type": SET,
        "typeVersion": 3.4,
        "parameters": {
            "assignments": {"assignments": assignments},
            "includeOtherFields": keep_others,
            "options": {},
        },
    }


def _js(value: Any) -> str:
    """A JavaScript expression giving ``value`` with its templates evaluated as n8n does (one
    block keeps its type; mixed text drops undefined and null), never containing ``}}``."""
    if isinstance(value, dict):
        return "({ " + ", ".join(f"{_literal(k)}: {_js(v)}" for k, v in value.items()) + " })"
    if isinstance(value, list):
        return "[ " + ", ".join(_js(v) for v in value) + " ]"
    if not expressions.is_expression(value):
        return _literal(value)
    parts = []
    for code, kind in expressions.template_parts(value):
        if code is None:
            parts.append(_literal(kind))
        elif kind == "single":
            parts.append(f"(({code}\n))")
        else:
            parts.append(f"((v) => (v || v === 0 || v === false ? v : ''))(({code}\n))")
    return parts[0] if len(parts) == 1 else "(" + " + ".join(["''", *parts]) + ")"


def _literal(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False).replace("}}", "}\\u007d")


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else "string"


PROPERTIES = {
    **{
        "fields": {"description": "Field name -> value or expression.", "type": "object"},
        "keepOnlySet": {
            "description": "Drop the other fields (default true, as n8n's Set v3).",
            "type": "boolean",
        },
    },
    "typeVersion": {"description": "n8n's Set version (1, 2, 3, 3.1-3.4).", "type": "number"},
    "parameters": {
        "description": "n8n's Set parameters, as in an n8n export (instead of fields).",
        "type": "object",
    },
}

NODE = NodeType(
    name="set",
    description="Set fields on each item (n8n's Set node: fields, or n8n's own parameters).",
    run=run,
    properties=PROPERTIES,
    check=check,
    n8n_types=(SET,),
    from_n8n=from_n8n,
    to_n8n=to_n8n,
)
