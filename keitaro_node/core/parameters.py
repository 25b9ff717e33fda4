"""Turn one item's raw parameters into validated ones: defaults, JSON parsing, fallbacks, rules.

Pure and compiled once per operation: ``OperationInputs.of(op).prepare(raw)`` runs per item.
"Valid?" is answered by ``schemas.compile_check``; jsonschema explains only invalid items.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from ..dotted import set_dotted
from ..errors import InputError, did_you_mean
from ..limits import MAX_DEPTH, deeper_than
from ..model import JSON, Operation, Property
from .schemas import compile_check, errors

TYPE_CHECKING = False
if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError


def _label(prop: Property) -> str:
    return f"{prop.display_name} ({prop.name})"


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _given(raw: Mapping[str, Any], dotted: str) -> bool:
    """Whether a parameter (``name`` or ``collection.child``) is given, and not blank."""
    name, _, child = dotted.partition(".")
    value = raw.get(name)
    if child:
        return isinstance(value, Mapping) and not _is_blank(value.get(child))
    return not _is_blank(value)


_COMPILED: dict[int, OperationInputs] = {}
"""Per operation object (which each entry keeps alive, so its id is not reused)."""


class OperationInputs:
    """Compiled validators and the preparation steps for one operation."""

    __slots__ = ("_aliases", "_fallbacks", "_props", "_rules", "_valid", "op")

    def __init__(self, op: Operation) -> None:
        self.op = op
        self._props = {p.name: p for p in op.properties}
        self._valid = compile_check(op.params_schema)
        self._rules = [(compile_check(r.schema), r) for r in op.rules]
        self._fallbacks = [(compile_check(f.when), f.values) for f in op.fallbacks]
        self._aliases = {
            label.casefold(): p.name
            for p in op.properties
            for label in (p.name, p.display_name, p.display_name_en)
        }
        """settingsData under its own name, «Данные Настроек» or "Settings Data", in any case."""

    @classmethod
    def of(cls, op: Operation) -> OperationInputs:
        """The operation's inputs, compiled once per process (the definition is loaded once)."""
        found = _COMPILED.get(id(op))
        if found is None or found.op is not op:
            found = _COMPILED[id(op)] = cls(op)
        return found

    def prepare(self, raw: Mapping[str, Any]) -> dict[str, JSON]:
        """Validated parameters, or an InputError naming the property and the rule."""
        if not isinstance(raw, Mapping):
            raise InputError(f"parameters must be an object, got {type(raw).__name__}")
        if not all(k in self._props for k in raw):
            raw = {self._aliases.get(str(k).casefold(), k): v for k, v in raw.items()}
            unknown = sorted(
                str(k) for k in raw if k not in self._props and k not in self.op.refuse
            )
            if unknown:
                raise self.unknown(unknown)
        if self.op.refuse:  # only a few operations refuse names: keep the rest cheap
            self._refuse(raw)
        params = {k: v for k, v in raw.items() if not _is_blank(v) or k not in self._props}
        for prop in self.op.properties:
            self._complete(prop, params)
        for when, values in self._fallbacks:
            if when(params):
                for dotted, value in values.items():
                    set_dotted(params, dotted, copy.deepcopy(value))
        if not self._valid(params):
            if deeper_than(params, MAX_DEPTH):  # jsonschema explains recursively
                raise InputError(f"{self.op.key}: parameters nested deeper than {MAX_DEPTH} levels")
            from jsonschema.exceptions import best_match

            error = best_match(errors(self.op.params_schema, params))
            if error is not None:
                raise self._explain(error, params)
        for is_valid, rule in self._rules:
            if not is_valid(params):
                raise InputError(f"{self.op.key}: {rule.message}", property=rule.property)
        return params

    def check_one(self, name: str, value: Any) -> None:
        """Validate one parameter alone (a workflow's static value), ignoring the others."""
        params: dict[str, Any] = {name: value}
        self._complete(self._props[name], params)
        for error in errors(self.op.params_schema, params):
            if error.absolute_path:
                raise self._explain(error, params)

    def _complete(self, prop: Property, params: dict[str, Any]) -> None:
        """Fill the default, parse a JSON string, and recurse into a collection."""
        if prop.name not in params:
            if prop.default is None:
                return
            params[prop.name] = copy.deepcopy(prop.default)
        value = params[prop.name]
        if prop.type == "json" and isinstance(value, str):
            try:
                params[prop.name] = json.loads(value)
            except json.JSONDecodeError as exc:
                raise InputError(
                    f"{_label(prop)} is not valid JSON: {exc.msg} at line {exc.lineno} "
                    f"column {exc.colno}",
                    property=prop.name,
                ) from None
            except RecursionError:
                raise InputError(
                    f"{_label(prop)} is nested too deeply", property=prop.name
                ) from None
            except ValueError as exc:  # e.g. a number of more than 4,300 digits
                raise InputError(
                    f"{_label(prop)} is not valid JSON: {exc}", property=prop.name
                ) from None
            if deeper_than(params[prop.name], MAX_DEPTH):
                raise InputError(
                    f"{_label(prop)} nests deeper than {MAX_DEPTH} levels", property=prop.name
                )
        elif prop.type == "collection" and isinstance(value, Mapping):
            inner = {k: v for k, v in value.items() if not _is_blank(v)}
            for child in prop.options:
                self._complete(child, inner)
            params[prop.name] = inner

    def _refuse(self, raw: Mapping[str, Any]) -> None:
        """An original-node parameter with no place in the real request, with the reason."""
        refused = next((n for n in self.op.refuse if _given(raw, n)), None)
        if refused is not None:
            raise InputError(
                f"{self.op.key}: {refused!r} has no place in the real request: "
                f"{self.op.refuse[refused]}",
                property=refused.split(".")[0],
            )

    def canonical(self, name: str) -> str | None:
        """The property a parameter name means (its own name or a display name), or None."""
        return name if name in self._props else self._aliases.get(str(name).casefold())

    def unknown(self, unknown: list[str]) -> InputError:
        """Unknown parameters, with the closest known name (its value or its display name)."""
        first = unknown[0] if unknown else ""
        hint = did_you_mean(first.casefold(), self._aliases)
        return InputError(
            f"{self.op.key}: unknown parameter(s) {', '.join(map(repr, unknown))}{hint}; "
            f"known: {', '.join(self._props) or 'none'}",
            property=first or None,
        )

    def _explain(self, error: ValidationError, params: Mapping[str, Any]) -> InputError:
        op = self.op
        path = list(error.absolute_path)
        if not path and error.validator == "required":
            missing = [n for n in params_required(error) if n not in params]
            labels = ", ".join(_label(self._props[n]) for n in missing)
            return InputError(
                f"required data is missing for the {op.value} operation of {op.resource}: {labels}",
                property=missing[0] if missing else None,
            )
        if not path and error.validator == "additionalProperties":
            return self.unknown(sorted(set(params) - set(self._props)))
        name = str(path[0])
        prop = self._props[name]
        label = _label(prop)
        if len(path) > 1 and prop.options:
            child = next((c for c in prop.options if c.name == path[1]), None)
            if child is not None:
                label = f"{label} → {_label(child)}"
                path = path[1:]
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path[1:])
        return InputError(f"{label}{where}: {_describe(error)}", property=name)


def params_required(error: ValidationError) -> list[str]:
    """The names a ``required`` error lists."""
    value = error.validator_value
    return [str(n) for n in value] if isinstance(value, list) else []


def _describe(error: ValidationError) -> str:
    v = error.validator
    if v == "minProperties" and error.validator_value == 1:
        return "must be a non-empty JSON object (the data is empty)"
    if v == "type":
        expected = error.validator_value
        names = " or ".join(expected) if isinstance(expected, list) else expected
        return f"must be of type {names}, got {_json_type(error.instance)}"
    if v == "pattern":
        return f"{error.instance!r} has an invalid format"
    if v == "additionalProperties" and isinstance(error.instance, Mapping):
        known = (
            list(error.schema.get("properties", {})) if isinstance(error.schema, Mapping) else []
        )
        unknown = sorted(str(k) for k in error.instance if k not in known)
        hint = did_you_mean(unknown[0], {k: k for k in known}) if unknown else ""
        listed = f"; known: {', '.join(known)}" if known else ""
        return f"unknown field(s) {', '.join(map(repr, unknown))}{hint}{listed}"
    if v == "enum":
        allowed = error.validator_value if isinstance(error.validator_value, list) else []
        return f"{error.instance!r} is not one of {', '.join(map(str, allowed))}"
    return str(error.message)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
