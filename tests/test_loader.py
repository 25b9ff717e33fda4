"""The definition loads, obeys its meta-schema, and covers the original node."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from keitaro_node.core.definition import load_definition, schema_dir
from keitaro_node.errors import DefinitionError

ORIGINAL = {
    "campaign": "Кампания",
    "landing": "Лендинг",
    "offer": "Оффер",
    "click": "Клик",
    "settings": "Настройки",
    "user": "Пользователь",
    "blacklist": "Блэклист",
    "bot": "Бот",
    "postback": "Постбэк",
    "source": "Источник",
    "conversion": "Конверсия",
    "stats": "Статистика",
    "group": "Группа",
    "stream": "Поток",
    "filter": "Фильтр",
    "log": "Лог",
    "domain": "Домен",
}
OPERATION_NAMES = {
    "create": "Создать",
    "get": "Получить",
    "getAll": "Получить Все",
    "update": "Обновить",
    "delete": "Удалить",
    "test": "Тестировать",
}


def copy_schema(tmp_path: Path, edit) -> Path:
    """A copy of node_schema/ with the YAML document changed by ``edit``."""
    src = schema_dir()
    doc = yaml.safe_load((src / "keitaro.node.yaml").read_text(encoding="utf-8"))
    edit(doc)
    (tmp_path / "keitaro.node.yaml").write_text(
        yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8"
    )
    (tmp_path / "node.schema.json").write_text(
        (src / "node.schema.json").read_text(encoding="utf-8")
    )
    return tmp_path


def test_meta_schema_is_valid_and_documented() -> None:
    meta = json.loads((schema_dir() / "node.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(meta)

    def walk(node, where):
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                assert node.get("additionalProperties") is False, f"{where} is not closed"
                for key, sub in node["properties"].items():
                    assert "description" in sub, f"{where}.{key} has no description"
            for key, sub in node.items():
                walk(sub, f"{where}.{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                walk(sub, f"{where}[{i}]")

    walk(meta, "$")


def test_original_resources_and_operations() -> None:
    definition = load_definition()
    for value, russian in ORIGINAL.items():
        resource = definition.resources[value]
        assert resource.display_name == russian
        assert resource.original
        wanted = ["getAll"] if value == "stats" else ["create", "get", "update", "delete"]
        for op_value in wanted:
            op = resource.operations[op_value]
            assert op.display_name == OPERATION_NAMES[op_value]
    assert definition.resources["postback"].operations["test"].display_name == "Тестировать"
    for value in ("click", "conversion", "stats"):
        assert "getAll" in definition.resources[value].operations
    assert not definition.resources["affiliate_network"].original


@pytest.mark.parametrize(
    ("resource", "operation", "display"),
    [
        ("group", "get", "ID Группы"),
        ("settings", "create", "Данные Настроек"),
        ("click", "getAll", "Параметры Фильтрации Кликов"),
        ("conversion", "create", "Упрощенное создание конверсии"),
        ("conversion", "getAll", "Параметры Фильтрации Конверсий"),
        ("postback", "test", "Тестирование постбэка"),
        ("postback", "create", "URL постбэка"),
        ("postback", "create", "HTTP метод"),
    ],
)
def test_original_property_names(resource: str, operation: str, display: str) -> None:
    op = load_definition().operation(resource, operation)
    assert display in [p.display_name for p in op.properties]


def test_original_postback_fields_without_a_place_are_refused_by_name() -> None:
    """S2SPostback has only id, campaign_id, method, statuses and url."""
    for value in ("create", "update"):
        refused = load_definition().operation("postback", value).refuse
        assert {"name", "status", "trigger", "retryDelay", "headers", "countries"} <= set(refused)


def test_official_mappings() -> None:
    d = load_definition()
    assert (d.operation("offer", "delete").method, d.operation("offer", "delete").path) == (
        "DELETE",
        "/offers/{offerId}/archive",
    )
    assert d.operation("stats", "getAll").path == "/report/build"
    assert d.operation("click", "getAll").path == "/clicks/log"
    assert d.operation("group", "delete").path == "/groups/{groupId}/delete"
    assert d.operation("source", "get").path == "/traffic_sources/{sourceId}"
    assert d.operation("bot", "get").path == "/botlist"
    assert not d.operation("settings", "create").official


def test_every_problem_reported_with_its_path(tmp_path: Path) -> None:
    def break_it(doc):
        doc["resources"][0]["displayName"] = 5
        del doc["resources"][1]["operations"][0]["method"]
        doc["resources"][2]["operations"][0]["properties"][0]["type"] = "weird"

    with pytest.raises(DefinitionError) as err:
        load_definition(copy_schema(tmp_path, break_it))
    text = str(err.value)
    assert "$.resources[0].displayName" in text
    assert "$.resources[1].operations[0]" in text and "'method' is a required property" in text
    assert "$.resources[2].operations[0].properties[0].type" in text
    assert len(err.value.problems) == 3


def test_semantic_checks(tmp_path: Path) -> None:
    def break_it(doc):
        campaign = doc["resources"][0]
        campaign["operations"].append(dict(campaign["operations"][0]))  # duplicate 'create'
        campaign["operations"][1]["path"] = "/campaigns/{other}"  # placeholder without property
        doc["resources"][3]["value"] = "campaign"  # duplicate resource
        doc["resources"][1]["operations"][0]["properties"][0]["schema"] = {"type": "nonsense"}

    with pytest.raises(DefinitionError) as err:
        load_definition(copy_schema(tmp_path, break_it))
    text = str(err.value)
    assert "resource 'campaign' appears twice" in text
    assert "operation 'create' appears twice" in text
    assert "placeholder {other} has no path property" in text
    assert "path property 'campaignId' is not in the path" in text
    assert "not a valid JSON Schema" in text


def test_bad_yaml_is_a_definition_error(tmp_path: Path) -> None:
    (tmp_path / "keitaro.node.yaml").write_text("resources: [unclosed", encoding="utf-8")
    (tmp_path / "node.schema.json").write_text((schema_dir() / "node.schema.json").read_text())
    with pytest.raises(DefinitionError, match="not valid YAML"):
        load_definition(tmp_path)


def test_the_yaml_is_read_from_a_json_copy_of_the_very_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from keitaro_node.core.definition import read_yaml

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    source = tmp_path / "keitaro.node.yaml"
    source.write_text("name: first\nlist: [1, 2]\n", encoding="utf-8")
    assert read_yaml(source) == {"name": "first", "list": [1, 2]}
    [copy] = (tmp_path / "cache" / "keitaro-node").iterdir()
    assert json.loads(copy.read_text(encoding="utf-8")) == {"name": "first", "list": [1, 2]}
    copy.write_text('{"name": "from the copy"}', encoding="utf-8")
    assert read_yaml(source) == {"name": "from the copy"}  # the same bytes: the copy is read
    source.write_text("name: second\n", encoding="utf-8")
    assert read_yaml(source) == {"name": "second"}  # other bytes: never an old copy
    assert len(list((tmp_path / "cache" / "keitaro-node").iterdir())) == 1  # the newest only
    source.write_text("1: int key\n", encoding="utf-8")  # JSON would make the key a string
    assert read_yaml(source) == {1: "int key"} and read_yaml(source) == {1: "int key"}
