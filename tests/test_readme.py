"""The README matches the code: its operation table is generated, its two commands exist."""

from __future__ import annotations

import asyncio
import json
import re
import shlex
import tomllib
from pathlib import Path

import pytest

from keitaro_node.cli import build_parser
from keitaro_node.embedded import run_workflow
from keitaro_node.workflows import load_workflow

from .conftest import CANARY, ROOT
from .readme_blocks import blocks, run_python
from .test_workflows import run_cli

README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("marker", "flags"), [("operations", ()), ("original", ("--original",))], ids=str
)
def test_generated_tables_are_current(marker: str, flags: tuple[str, ...]) -> None:
    code, out, _ = run_cli("describe", "--format", "markdown", *flags)
    assert code == 0
    table = re.search(f"<!-- {marker}:start -->\n(.*?)\n<!-- {marker}:end -->", README, re.S)
    assert table is not None
    assert table.group(1) == out.strip(), "regenerate with: keitaro-node describe --format markdown"


def test_the_two_setup_commands() -> None:
    assert "pip install . && keitaro-node run workflows/quickstart.yaml" in README
    assert "pip install '.[test]' && python -m pytest" in README
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install --quiet '.[test]' && python -m pytest" in ci
    assert "keitaro-node run workflows/quickstart.yaml" in ci


PYTHON = blocks("python")


def test_the_readme_has_examples() -> None:
    assert len(PYTHON) >= 3 and blocks("yaml") and blocks("json") and len(blocks("bash")) >= 3
    for engine in ("prefect", "airflow", "dagster"):
        assert blocks("python", engine), engine


@pytest.mark.parametrize("code", PYTHON, ids=[f"python-{i}" for i in range(len(PYTHON))])
def test_python_examples_run(code: str, emulator, tmp_path: Path) -> None:
    done = run_python(code, emulator.url, CANARY, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert CANARY not in done.stdout + done.stderr


def test_yaml_examples_run(tmp_path: Path) -> None:
    for text in blocks("yaml"):
        if "nodes:" not in text:
            continue  # the credentials file below
        result = asyncio.run(run_workflow(load_workflow(text=text), environ={}))
        assert result.items and result.failed == 0


def test_credentials_file_example_reads(tmp_path: Path) -> None:
    from keitaro_node import credentials

    (text,) = [b for b in blocks("yaml") if "nodes:" not in b]
    path = tmp_path / "creds.yaml"
    path.write_text(text, encoding="utf-8")
    spec = credentials.read_file(path)
    names = ("KEITARO_API_KEY", "BOT_TOKEN", "PARTNER_KEY", "REPORTS_PASSWORD", "CRM_TOKEN")
    environ = {name: f"value-of-{name}" for name in names}
    named = credentials.named(spec, environ, str(path))
    assert credentials.pick(named, "httpHeaderAuth", "Bot") == {
        "name": "X-Api-Key",
        "value": "value-of-BOT_TOKEN",
    }
    assert credentials.pick(named, "httpBearerAuth", None) == {"token": "value-of-CRM_TOKEN"}
    assert credentials.from_spec(spec, environ, str(path)).domain == "https://tracker.example"


CAMPAIGN = {"alias": "readme-json-example", "name": "README"}


def test_json_example_is_an_output_item(node) -> None:
    (example,) = [b for b in blocks("json") if "mcpServers" not in b]
    shown = json.loads(example)
    campaign = node.execute_sync(
        resource="campaign", operation="create", parameters={"campaignData": CAMPAIGN}
    )[0]["json"]["data"]
    real = node.execute_sync(
        resource="postback",
        operation="create",
        parameters={"campaignId": campaign["id"], "url": shown["json"]["data"]["url"]},
    )[0]
    assert real["json"]["request"]["method"] == shown["json"]["request"]["method"]
    assert set(real["json"]["data"]) == set(shown["json"]["data"])
    assert set(shown) == set(real) and set(shown["json"]) == set(real["json"])
    assert set(shown["json"]["request"]["headers"]) == set(real["json"]["request"]["headers"])


def test_mcp_client_configuration_is_a_real_command() -> None:
    (config,) = [b for b in blocks("json") if "mcpServers" in b]
    server = json.loads(config)["mcpServers"]["keitaro"]
    assert server["command"] == "keitaro-node"
    assert build_parser().parse_args(server["args"]).command == "mcp"


def test_bash_examples_are_real_commands() -> None:
    extras = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    )
    parser = build_parser()
    for block in blocks("bash"):
        for line in block.splitlines():
            for command in (c.strip() for c in line.split("#")[0].split("&&")):
                if not command:
                    continue
                words = shlex.split(command)
                if words[0] == "keitaro-node":
                    parser.parse_args(words[1:])
                    assert all((ROOT / w).exists() for w in words if w.startswith("workflows/"))
                elif words[:2] == ["pip", "install"]:
                    for target in words[2:]:
                        wanted = re.findall(r"\[(.*)\]", target)
                        assert not wanted or set(wanted[0].split(",")) <= extras, target
                else:
                    assert words[0] in ("python", "ruff", "mypy"), command


def _message(node, resource: str, operation: str, parameters: dict) -> str:
    from keitaro_node import InputError, ItemError

    try:
        node.execute_sync(resource=resource, operation=operation, parameters=parameters)
    except ItemError as exc:
        return exc.cause.message
    except InputError as exc:
        return exc.message
    raise AssertionError("no error")


@pytest.mark.parametrize(
    ("resource", "operation", "parameters"),
    [
        ("settings", "create", {"settingsData": "{bad"}),
        ("settings", "create", {"settingsData": {}}),
        ("settings", "create", {}),
        ("campaign", "getAll", {"limit": "ten"}),
        ("campaign", "get", {}),
        ("campaign", "get", {"campaignId": "../x"}),
        ("stats", "create", {}),
        ("click", "getAll", {}),
        ("click", "getAll", {"clickFilters": {"from": "2026-01-01", "limit": 5}}),
        ("settings", "create", {"settingsData": {"a": 1}, "bogus": 1}),
    ],
)
def test_bad_input_table_matches_the_code(
    node, resource: str, operation: str, parameters: dict
) -> None:
    message = _message(node, resource, operation, parameters)
    table = README[README.index("## Bad input") :]
    assert message in table, message
