"""Output writers: formats, CSV flattening, streaming, atomic replacement; readers' errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from keitaro_node import InputError
from keitaro_node.outputs import dumps_items, flatten, read_items, stream_to, write_items

ITEMS = [
    {"json": {"id": 1, "data": {"name": "A", "tags": ["x", "y"], "deep": {"n": None}}, "ok": True}},
    {"json": {"id": 2, "data": {"name": "Б", "tags": [], "deep": {"n": 2.5}}, "ok": False}},
]


def test_flatten() -> None:
    assert flatten({"a": {"b": {"c": 1}}, "l": [1], "e": {}}) == {"a.b.c": 1, "l": [1], "e": {}}


@pytest.mark.parametrize("fmt", ["json", "ndjson", "csv"])
def test_round_trip(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"out.{fmt}"
    assert write_items(ITEMS, path) == 2
    text = path.read_text(encoding="utf-8")
    if fmt == "json":
        assert [r["id"] for r in json.loads(text)] == [1, 2]
    elif fmt == "ndjson":
        assert [json.loads(line)["data"]["name"] for line in text.splitlines()] == ["A", "Б"]
    else:
        rows = list(csv.DictReader(io.StringIO(text)))
        assert list(rows[0]) == ["id", "data.name", "data.tags", "data.deep.n", "ok"]
        assert rows[0] == {
            "id": "1",
            "data.name": "A",
            "data.tags": '["x", "y"]',
            "data.deep.n": "",
            "ok": "true",
        }
        assert rows[1]["data.deep.n"] == "2.5" and rows[1]["ok"] == "false"
    back = read_items(path, parse_numbers=True)
    assert [b["json"]["id"] for b in back] == [1, 2]


def test_empty_outputs(tmp_path: Path) -> None:
    assert write_items([], tmp_path / "e.json") == 0
    assert json.loads((tmp_path / "e.json").read_text()) == []
    assert dumps_items([], "ndjson") == ""


def test_streaming_writes_batches(tmp_path: Path) -> None:
    with stream_to(tmp_path / "s.ndjson") as writer:
        for batch in range(3):
            writer.write({"batch": batch, "i": i} for i in range(1000))
    assert writer.count == 3000
    assert sum(1 for _ in (tmp_path / "s.ndjson").open()) == 3000


def write_then_stop(target: Path) -> None:
    with stream_to(target) as writer:
        writer.write([{"i": 1}])
        raise KeyboardInterrupt


def test_an_interrupted_write_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "partial.ndjson"
    target.write_text("the previous, complete result\n")
    with pytest.raises(KeyboardInterrupt):
        write_then_stop(target)
    assert target.read_text() == "the previous, complete result\n"  # untouched
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("bad.ndjson", '{"a": 1}\n{oops\n', "bad.ndjson:2: not valid JSON"),
        ("bad.json", '[{"a": 1},\n', "bad.json:2: not valid JSON"),
        ("list.json", "[1, 2]", "item 1 is not an object"),
        ("x.txt", "", "unknown format 'txt'"),
    ],
)
def test_reader_errors(tmp_path: Path, name: str, content: str, words: str) -> None:
    (tmp_path / name).write_text(content)
    with pytest.raises(InputError, match=words):
        read_items(tmp_path / name)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        read_items(tmp_path / "nope.json")
