"""Bad input gets a clear error naming the item and the property; nothing is sent for it."""

from __future__ import annotations

import pytest

from keitaro_node import InputError, ItemError, KeitaroNode

ITEMS = [{"json": {"i": 0}}, {"json": {"i": 1}}]


@pytest.mark.parametrize(
    ("resource", "operation", "params", "prop", "words"),
    [
        (
            "settings",
            "create",
            {"settingsData": "{not json"},
            "settingsData",
            "Данные Настроек (settingsData) is not valid JSON",
        ),
        ("settings", "create", {"settingsData": "{}"}, "settingsData", "non-empty JSON object"),
        ("settings", "create", {"settingsData": "  "}, "settingsData", "required data is missing"),
        (
            "settings",
            "create",
            {},
            "settingsData",
            "required data is missing for the create operation",
        ),
        (
            "settings",
            "create",
            {"settingsData": [1, 2]},
            "settingsData",
            "must be of type object, got array",
        ),
        ("campaign", "get", {}, "campaignId", "ID Кампании (campaignId)"),
        (
            "campaign",
            "update",
            {"campaignData": {"name": "x"}},
            "campaignId",
            "required data is missing",
        ),
        (
            "campaign",
            "delete",
            {"campaignId": "../../users"},
            "campaignId",
            "has an invalid format",
        ),
        ("campaign", "get", {"campaignId": 0}, "campaignId", "less than the minimum"),
        ("campaign", "getAll", {"limit": "ten"}, "limit", "must be of type integer, got string"),
        ("group", "getAll", {"groupType": "people"}, "groupType", "is not one of campaigns"),
        ("click", "getAll", {}, "clickFilters", "needs an interval, a complete date range"),
        (
            "click",
            "getAll",
            {"clickFilters": {"from": "2026-01-01", "limit": 5}},
            "from",
            "needs both a start (from) and an end (to)",
        ),
        (
            "click",
            "getAll",
            {"clickFilters": {"interval": "last_30_days"}},
            "clickFilters",
            "Интервал (interval)",
        ),
        ("conversion", "create", {}, "conversionData", "either Данные Конверсии"),
        (
            "conversion",
            "create",
            {"simpleConversion": {"status": "sale"}},
            "conversionData",
            "with click_id",
        ),
        (
            "conversion",
            "update",
            {"conversionData": {"status": "sale"}},
            "conversionData",
            "'click_id' is a required property",
        ),
        (
            "conversion",
            "update",
            {"conversionId": 1, "conversionData": {"click_id": "a", "status": "sale"}},
            "conversionId",
            "'conversionId' has no place in the real request",
        ),
        (
            "postback",
            "create",
            {"campaignId": 1, "url": "https://x.example/", "name": "PB"},
            "name",
            "a Keitaro campaign S2S postback has no name",
        ),
        (
            "conversion",
            "create",
            {"simpleConversion": {"click_id": "a", "comment": "hi"}},
            "simpleConversion",
            "postback URL takes no comment",
        ),
        (
            "settings",
            "create",
            {"settingsData": {"a": 1}, "bogus": 1},
            "bogus",
            "unknown parameter(s) 'bogus'",
        ),
    ],
)
def test_bad_parameters(
    node: KeitaroNode, emulator, resource, operation, params, prop, words
) -> None:
    before = len(emulator.journal)
    with pytest.raises(ItemError) as err:
        node.execute_sync(ITEMS, resource=resource, operation=operation, parameters=params)
    assert err.value.item_index == 0
    assert f"item 0 ({resource}:{operation})" in str(err.value)
    assert words in str(err.value)
    assert isinstance(err.value.cause, InputError)
    assert err.value.cause.property == prop
    assert len(emulator.journal) == before, "nothing is sent for invalid input"

    out = node.execute_sync(
        ITEMS, resource=resource, operation=operation, parameters=params, continue_on_fail=True
    )
    assert [o["pairedItem"] for o in out] == [{"item": 0}, {"item": 1}]
    for o in out:
        assert o["json"]["success"] is False
        assert words in o["json"]["error"]["message"]
        assert o["json"]["error"]["httpCode"] is None


@pytest.mark.parametrize(
    ("resource", "operation", "words"),
    [
        ("nope", "get", "unknown resource 'nope'; known resources: affiliate_network"),
        ("campaign", "explode", "resource 'campaign' (Кампания) has no operation 'explode'"),
        (
            "stats",
            "create",
            "resource 'stats' (Статистика) has no operation 'create'; it supports: getAll",
        ),
        ("stats", "delete", "it supports: getAll"),
    ],
)
def test_unknown_resource_or_operation(node: KeitaroNode, resource, operation, words) -> None:
    with pytest.raises(InputError, match=words.replace("(", r"\(").replace(")", r"\)")):
        node.execute_sync(ITEMS, resource=resource, operation=operation, parameters={})


def test_parameters_must_be_an_object(node: KeitaroNode) -> None:
    with pytest.raises(ItemError, match="parameters must be an object, got list"):
        node.execute_sync(ITEMS, resource="bot", operation="get", parameters=lambda j, i: [])  # type: ignore[arg-type, return-value]


def test_bad_concurrency(node: KeitaroNode) -> None:
    with pytest.raises(InputError, match="concurrency must be at least 1"):
        node.execute_sync(ITEMS, resource="bot", operation="get", concurrency=0)


def test_json_string_data_is_parsed(node: KeitaroNode, emulator) -> None:
    out = node.execute_sync(
        resource="affiliate_network",
        operation="create",
        parameters={"networkData": '{"name": "JSON text network", "notes": "n"}'},
    )
    assert out[0]["json"]["data"]["name"] == "JSON text network"
    assert emulator.journal.last().body == {"name": "JSON text network", "notes": "n"}


@pytest.mark.parametrize("fast", [True, False], ids=["jsonschema-rs", "jsonschema only"])
def test_same_answers_with_or_without_the_fast_validator(
    fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from keitaro_node.core import parameters, schemas
    from keitaro_node.core.definition import load_definition

    if not fast:
        monkeypatch.setattr(schemas, "jsonschema_rs", None)
    elif schemas.jsonschema_rs is None:
        pytest.skip("jsonschema-rs is not installed")
    inputs = parameters.OperationInputs(load_definition().operation("click", "getAll"))
    assert (
        inputs.prepare({"clickFilters": {"interval": "today"}})["clickFilters"]["interval"]
        == "today"
    )
    for bad, words in (
        ({"clickFilters": {"interval": "soon"}}, "is not one of"),
        ({"clickFilters": {"limit": 0}}, "less than the minimum"),
        ({}, "needs an interval"),
    ):
        with pytest.raises(InputError, match=words):
            inputs.prepare(bad)
