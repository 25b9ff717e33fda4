"""Read ``node_schema/``, validate it, check what a schema cannot, and build the model."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..cache import json_copy
from ..errors import DefinitionError
from ..model import (
    JSON,
    Choice,
    Definition,
    Edit,
    Fallback,
    Operation,
    Paging,
    Property,
    Reconcile,
    Resource,
    Rule,
    Select,
)
from .schemas import compile_check, errors, schema_error

DEFINITION_FILE = "keitaro.node.yaml"
META_SCHEMA_FILE = "node.schema.json"
IDEMPOTENT_METHODS = frozenset({"GET", "PUT", "DELETE"})
_PLACEHOLDER = re.compile(r"\{([A-Za-z]+)\}")
_TYPE_SCHEMAS: Mapping[str, Mapping[str, JSON]] = {
    "string": {"type": "string"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "json": {},
}


def schema_dir() -> Path:
    """``node_schema/``: inside the installed wheel, else at the top of a source checkout."""
    packaged = Path(str(resources.files("keitaro_node"))) / "node_schema"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "node_schema"


def json_path(parts: Iterable[str | int]) -> str:
    """``$.resources[3].operations[0]`` from a jsonschema path."""
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def read_yaml(path: Path) -> Any:
    """A YAML file's data, from a JSON copy of the same bytes when there is one (reading YAML
    is most of a process's time spent on the definition)."""
    text = path.read_bytes()

    def parse() -> Any:
        import yaml  # only when there is no copy yet

        loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's when built in
        try:
            return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
        except yaml.YAMLError as exc:
            raise DefinitionError(str(path), [f"not valid YAML: {exc}"]) from None

    return json_copy(path.stem, text, parse)


def schema_problems(document: Any, meta_schema: Mapping[str, Any]) -> list[str]:
    """Every meta-schema violation, each with its JSON path, in document order."""
    if compile_check(meta_schema)(document):
        return []
    found = sorted(errors(meta_schema, document), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{json_path(e.absolute_path)}: {e.message}" for e in found]


def load_definition(directory: Path | None = None) -> Definition:
    """The node definition, read and validated once per process (per directory)."""
    return _load((directory or schema_dir()).resolve())


@cache
def _load(folder: Path) -> Definition:
    source = folder / DEFINITION_FILE
    meta = json.loads((folder / META_SCHEMA_FILE).read_text(encoding="utf-8"))
    document = read_yaml(source)
    problems = schema_problems(document, meta)
    if problems:
        raise DefinitionError(str(source), problems)
    problems = semantic_problems(document)
    if problems:
        raise DefinitionError(str(source), problems)
    return build_definition(document)


# --------------------------------------------------------------------------- semantic checks


def _duplicates(values: Sequence[str]) -> list[str]:
    return sorted(v for v, n in Counter(values).items() if n > 1)


def _check_json_schema(schema: Any, where: str, problems: list[str]) -> None:
    why = schema_error(schema)
    if why is not None:
        problems.append(f"{where}: not a valid JSON Schema: {why}")


def _property_problems(prop: Mapping[str, Any], where: str, problems: list[str]) -> None:
    if "schema" in prop:
        _check_json_schema(prop["schema"], f"{where}.schema", problems)
    if prop.get("in") == "path" and not prop.get("required"):
        problems.append(f"{where}: a path property must be required")
    if prop["type"] == "options" and "default" in prop:
        values = [c["value"] for c in prop["choices"]]
        if prop["default"] not in values:
            problems.append(f"{where}.default: {prop['default']!r} is not one of {values}")
    elif (
        "default" in prop
        and "schema" in prop
        and schema_error(prop["schema"]) is None
        and not compile_check(prop["schema"])(prop["default"])
    ):
        problems.append(f"{where}.default: does not match the property's schema")
    children = prop.get("options", [])
    for name in _duplicates([c["name"] for c in children]):
        problems.append(f"{where}.options: property {name!r} appears twice")
    for j, child in enumerate(children):
        if child["type"] == "collection":
            problems.append(f"{where}.options[{j}]: collections do not nest")
        _property_problems(child, f"{where}.options[{j}]", problems)


def semantic_problems(document: Mapping[str, Any]) -> list[str]:
    """What the meta-schema cannot say: uniqueness, placeholders, valid embedded schemas."""
    problems: list[str] = []
    resources_ = document["resources"]
    for value in _duplicates([r["value"] for r in resources_]):
        problems.append(f"$.resources: resource {value!r} appears twice")
    for i, res in enumerate(resources_):
        ops = res["operations"]
        for value in _duplicates([o["value"] for o in ops]):
            problems.append(f"$.resources[{i}].operations: operation {value!r} appears twice")
        for k, op in enumerate(ops):
            where = f"$.resources[{i}].operations[{k}]"
            props = op.get("properties", [])
            for name in _duplicates([p["name"] for p in props]):
                problems.append(f"{where}.properties: property {name!r} appears twice")
            placeholders = _PLACEHOLDER.findall(op["path"])
            path_props = [p["name"] for p in props if p.get("in") == "path"]
            for name in sorted(set(placeholders) - set(path_props)):
                problems.append(f"{where}.path: placeholder {{{name}}} has no path property")
            for name in sorted(set(path_props) - set(placeholders)):
                problems.append(f"{where}.properties: path property {name!r} is not in the path")
            if op.get("paging") and op["returns"] in ("object", "text"):
                problems.append(f"{where}.paging: an operation returning one object cannot page")
            _step_problems(op, {p["name"] for p in props}, where, problems)
            for j, prop in enumerate(props):
                _property_problems(prop, f"{where}.properties[{j}]", problems)
            for j, rule in enumerate(op.get("rules", [])):
                _check_json_schema(rule["schema"], f"{where}.rules[{j}].schema", problems)
            for j, fb in enumerate(op.get("fallbacks", [])):
                _check_json_schema(fb["when"], f"{where}.fallbacks[{j}].when", problems)
    return problems


def _step_problems(op: Mapping[str, Any], names: set[str], where: str, problems: list[str]) -> None:
    """Multi-step operations name parameters that exist, and edits write with PUT."""
    select, edit = op.get("select", {}), op.get("edit")
    used = [
        *select.get("where", {}).values(),
        *([edit["match"]] if edit and "match" in edit else []),
    ]
    for name in used:
        if name not in names:
            problems.append(f"{where}: select/edit names unknown parameter {name!r}")
    for name in op.get("refuse", {}):
        if name in names:
            problems.append(f"{where}.refuse: {name!r} is also a property")
    if edit is not None:
        if op["method"] != "PUT" or op.get("endpoint", "admin") != "admin":
            problems.append(f"{where}.edit: an edit writes the object back with PUT")
        if edit["action"] != "add" and "match" not in edit:
            problems.append(f"{where}.edit: change and remove need `match`")
    if select.get("one") and op["returns"] != "object":
        problems.append(f"{where}.select: `one` returns an object")


# --------------------------------------------------------------------------- model building


def property_schema(prop: Mapping[str, Any]) -> dict[str, JSON]:
    """The JSON Schema a (parsed) value of this property must match."""
    if prop["type"] == "collection":
        return {
            "type": "object",
            "properties": {c["name"]: property_schema(c) for c in prop["options"]},
            "additionalProperties": False,
        }
    if prop["type"] == "options":
        schema: dict[str, JSON] = {"enum": [c["value"] for c in prop["choices"]]}
    else:
        schema = dict(prop.get("schema") or _TYPE_SCHEMAS[prop["type"]])
    return schema


def params_schema(props: Sequence[Mapping[str, Any]]) -> dict[str, JSON]:
    return {
        "type": "object",
        "properties": {p["name"]: property_schema(p) for p in props},
        "required": [p["name"] for p in props if p.get("required")],
        "additionalProperties": False,
    }


def _given(raw: Mapping[str, Any], **keys: str) -> dict[str, Any]:
    """The model fields ``raw`` gives (field name -> its key in the YAML): what it leaves out
    takes the model's default, the one place where the defaults are written."""
    return {name: raw[key] for name, key in keys.items() if key in raw}


def build_property(raw: Mapping[str, Any]) -> Property:
    return Property(
        name=raw["name"],
        display_name=raw["displayName"],
        display_name_en=raw["displayNameEn"],
        type=raw["type"],
        schema=property_schema(raw),
        choices=tuple(Choice(c["value"], c["displayName"]) for c in raw.get("choices", ())),
        options=tuple(build_property(c) for c in raw.get("options", ())),
        **_given(
            raw,
            placement="in",
            description="description",
            required="required",
            default="default",
            key="key",
            rename="rename",
            operator="operator",
        ),
    )


def _options(props: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [c for p in props for c in p.get("options", ())]


def build_operation(resource: str, raw: Mapping[str, Any]) -> Operation:
    props = raw.get("properties", [])
    paging, select, edit = raw.get("paging"), raw.get("select"), raw.get("edit")
    return Operation(
        resource=resource,
        value=raw["value"],
        display_name=raw["displayName"],
        display_name_en=raw["displayNameEn"],
        method=raw["method"],
        path=raw["path"],
        official=raw["official"],
        idempotent=raw.get("idempotent", raw["method"] in IDEMPOTENT_METHODS),
        returns=raw["returns"],
        properties=tuple(build_property(p) for p in props),
        rules=tuple(
            Rule(schema=r["schema"], message=r["message"], property=r.get("property"))
            for r in raw.get("rules", ())
        ),
        fallbacks=tuple(
            Fallback(when=f["when"], values=f["set"]) for f in raw.get("fallbacks", ())
        ),
        paging=Paging(
            paging["strategy"], paging["pageSize"], **_given(paging, max_pages="maxPages")
        )
        if paging
        else None,
        select=Select(**_given(select, source="from", where="where", one="one", missing="missing"))
        if select
        else None,
        edit=Edit(
            array=edit["array"],
            action=edit["action"],
            decode=tuple(edit.get("decode", ())),
            **_given(edit, key="key", match="match", missing="missing"),
        )
        if edit
        else None,
        reconcile=Reconcile(
            list_path=raw["reconcile"]["list"],
            key=tuple(raw["reconcile"].get("key", ())),
            **_given(raw["reconcile"], query="query"),
        )
        if "reconcile" in raw
        else None,
        params_schema=params_schema(props),
        sends_body=any(p.get("in") in ("body", "filter") for p in (*props, *_options(props))),
        **_given(raw, description="description", note="note", endpoint="endpoint", refuse="refuse"),
    )


def build_definition(document: Mapping[str, Any]) -> Definition:
    return Definition(
        name=document["name"],
        display_name=document["displayName"],
        description=document["description"],
        version=document["version"],
        resources={
            r["value"]: Resource(
                value=r["value"],
                display_name=r["displayName"],
                display_name_en=r["displayNameEn"],
                **_given(r, description="description", original="original"),
                operations={o["value"]: build_operation(r["value"], o) for o in r["operations"]},
            )
            for r in document["resources"]
        },
    )
