"""Every official operation's request plan matches Keitaro's official OpenAPI document."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from keitaro_node.core import planner, steps
from keitaro_node.core.definition import load_definition
from keitaro_node.core.parameters import OperationInputs

from . import openapi
from .conftest import Http
from .test_operations import EXAMPLES, Fixtures

DEFINITION = load_definition()
OFFICIAL = [op for op in DEFINITION.operations() if op.official]
UNOFFICIAL = [op for op in DEFINITION.operations() if not op.official]


ADMIN = "/admin_api/v1"


@pytest.mark.parametrize("op", OFFICIAL, ids=[op.key for op in OFFICIAL])
def test_every_request_of_an_official_operation_is_documented(op) -> None:
    """Each request is in the OpenAPI document, or is the tracker's documented postback URL."""
    for method, path in op.requests():
        if op.endpoint == "postback":
            assert path == "/{postbackKey}/postback", path
            continue
        assert path.startswith(ADMIN)
        shaped = openapi.shape(path.removeprefix(ADMIN))
        assert (method, shaped) in openapi.operations(), f"{method} {path}"


@pytest.mark.parametrize("op", UNOFFICIAL, ids=[op.key for op in UNOFFICIAL])
def test_unofficial_operation_is_really_missing(op) -> None:
    assert op.endpoint == "admin" and len(op.requests()) == 1
    assert (op.method, openapi.shape(op.path)) not in openapi.operations()
    assert "panel's HTML" in op.note, "an unofficial operation says what a real tracker answers"


OFFICIAL_ADMIN = [op for op in OFFICIAL if op.endpoint == "admin"]


@pytest.mark.parametrize("op", OFFICIAL_ADMIN, ids=[op.key for op in OFFICIAL_ADMIN])
def test_official_plan_matches_openapi(op, http: Http) -> None:
    spec = openapi.operations()[(op.method, openapi.shape(op.path))]
    params = OperationInputs(op).prepare(EXAMPLES[op.key](Fixtures(http)))
    plan = planner.plan(op, params)
    if op.edit is not None:  # the write carries the object's array as the executor changes it
        _, _, current = http.api("GET", plan.path)
        plan = plan._replace(
            body={op.edit.array: steps.edited(op.edit, current, plan.body, params)}
        )

    # path: same segments, and each placeholder filled with a quoted value
    template = spec["x-path"].split("/")
    actual = plan.path.split("/")
    assert len(template) == len(actual)
    for want, got in zip(template, actual, strict=True):
        if not want.startswith("{"):
            assert want == got
        else:
            assert got and got == quote(got, safe="%")

    documented = {p["name"]: p for p in spec.get("parameters", []) if p.get("in") == "query"}
    for name, _ in plan.query:
        assert name in documented or name in ("limit", "offset"), f"undocumented query {name!r}"
    for name, param in documented.items():
        if param.get("required"):
            assert name in dict(plan.query), f"required query parameter {name!r} missing"

    body_schema = openapi.json_schema_of(spec.get("requestBody", {}).get("content"))
    if body_schema is None:
        assert plan.body is None, "the official operation takes no body"
    else:
        errors = [e.message for e in openapi.validator(body_schema).iter_errors(plan.body)]
        assert not errors, errors
