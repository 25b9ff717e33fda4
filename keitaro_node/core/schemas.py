"""JSON Schema checks, fast where the answer is "valid" (the usual case): ``jsonschema-rs`` (a
dependency) answers that about 50x faster than ``jsonschema``, which is imported only to explain
what is invalid, so messages are the same either way. Without a jsonschema-rs wheel for the
platform, ``jsonschema`` does both."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

try:
    import jsonschema_rs
except ImportError:  # no wheel for this platform: jsonschema alone
    jsonschema_rs = None  # type: ignore[assignment]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

Check = Callable[[Any], bool]


def compile_check(schema: Mapping[str, Any]) -> Check:
    """A compiled ``is_valid`` for a Draft 2020-12 schema."""
    if jsonschema_rs is not None:
        return jsonschema_rs.validator_for(dict(schema)).is_valid
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema).is_valid


def errors(schema: Mapping[str, Any], instance: Any) -> Iterator[ValidationError]:
    """Every way ``instance`` fails ``schema``, as jsonschema explains them."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema).iter_errors(instance)


def schema_error(schema: Any) -> str | None:
    """Why ``schema`` is not a valid Draft 2020-12 schema, or None when it is one."""
    if jsonschema_rs is not None and jsonschema_rs.meta.is_valid(schema):
        return None
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        return exc.message
    return None
