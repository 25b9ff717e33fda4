"""The keitaro-node command line: help, version, describe, validate, export, emulator."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from bench.startup import heavy_imports
from keitaro_node.cli import main
from keitaro_node.core.definition import load_definition
from keitaro_node.errors import DefinitionError

from .conftest import ROOT
from .test_workflows import run_cli

WORKFLOWS = ROOT / "workflows"


def test_help_and_version_do_not_load_heavy_modules() -> None:
    for flag in ("--help", "--version"):
        assert heavy_imports(flag) == [], flag
    help_text = subprocess.run(
        [sys.executable, "-m", "keitaro_node.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    for words in ("run", "validate", "describe", "emulator", "examples:", "exit codes:"):
        assert words in help_text


def test_describe_json_lists_every_operation() -> None:
    code, out, _ = run_cli("describe", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == len(load_definition().operations())
    settings = next(r for r in rows if (r["resource"], r["operation"]) == ("settings", "create"))
    assert settings["official"] is False and settings["resourceDisplayName"] == "Настройки"
    assert settings["displayName"] == "Создать" and settings["method"] == "POST"
    assert settings["requests"] == [{"method": "POST", "path": "/admin_api/v1/settings"}]
    postback = next(r for r in rows if (r["resource"], r["operation"]) == ("postback", "create"))
    assert postback["official"] is True
    assert postback["requests"] == [
        {"method": "GET", "path": "/admin_api/v1/campaigns/{campaignId}"},
        {"method": "PUT", "path": "/admin_api/v1/campaigns/{campaignId}"},
    ]
    test = next(r for r in rows if (r["resource"], r["operation"]) == ("postback", "test"))
    assert test["requests"] == [{"method": "GET", "path": "/{postbackKey}/postback"}]
    assert all(r["requests"] and isinstance(r["official"], bool) for r in rows)
    offer = next(r for r in rows if (r["resource"], r["operation"]) == ("offer", "delete"))
    assert offer["path"] == "/offers/{offerId}/archive" and offer["official"] is True


def test_describe_one_operation_for_a_person() -> None:
    code, out, _ = run_cli("describe", "settings", "create")
    assert code == 0
    assert "Настройки: Создать" in out and "«Данные Настроек»" in out and "official: no" in out
    code, out, _ = run_cli("describe", "click", "getAll")
    assert "«Параметры Фильтрации Кликов»" in out and "rule: a click list needs" in out
    code, out, _ = run_cli("describe", "stats")
    assert code == 0 and "getAll" in out and "/report/build" in out
    code, out, _ = run_cli("describe", "postback", "delete")
    assert "edits the object's postbacks: remove the element whose id = postbackId" in out
    code, out, _ = run_cli("describe", "group", "get")
    assert "selects from the answer: id = groupId" in out
    code, out, _ = run_cli("describe", "campaign", "create")
    assert "looks the record up in GET /campaigns by alias" in out


def test_describe_unknown_names() -> None:
    code, _, err = run_cli("describe", "nope")
    assert code == 2 and "unknown resource 'nope'" in err
    code, _, err = run_cli("describe", "stats", "create")
    assert code == 2 and "it supports: getAll" in err


def test_validate_and_errors() -> None:
    code, out, _ = run_cli("validate", str(WORKFLOWS / "offer-payouts.yaml"))
    assert code == 0 and "valid — 4 nodes" in out
    code, _, err = run_cli("validate", "/no/such/workflow.yaml")
    assert code == 2 and "cannot read" in err
    code, _, err = run_cli("run", str(WORKFLOWS / "quickstart.yaml"), "--set", "oops")
    assert code == 2 and "expected KEY=VALUE" in err
    code, out, _ = run_cli()
    assert code == 2 and "usage:" in out


def test_run_formats(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli(
        "run", str(WORKFLOWS / "quickstart.yaml"), "--quiet", "--format", "ndjson"
    )
    assert code == 0 and [json.loads(line)["alias"] for line in out.splitlines()] == [
        "demo-fb",
        "demo-google",
        "demo-push",
    ]
    code, out, err = run_cli("run", str(WORKFLOWS / "quickstart.yaml"), "-o", "r.json")
    assert code == 0 and out == "" and "3 items out -> r.json" in err
    assert len(json.loads((tmp_path / "r.json").read_text())) == 3


def test_export_n8n(tmp_path: Path) -> None:
    wf = tmp_path / "wf.yaml"
    wf.write_text(
        "name: e\ncredentials: {emulator: {seed: demo}}\nnodes:\n"
        "  - {name: Groups, type: keitaro, resource: group, operation: getAll, parameters: {groupType: offers}}\n",
        encoding="utf-8",
    )
    code, _, _ = run_cli("export-n8n", str(wf), "-o", str(tmp_path / "wf.json"))
    assert code == 0
    doc = json.loads((tmp_path / "wf.json").read_text(encoding="utf-8"))
    assert [n["type"] for n in doc["nodes"]] == [
        "n8n-nodes-base.manualTrigger",
        "n8n-nodes-keitaro.keitaro",
    ]
    assert doc["nodes"][1]["parameters"] == {
        "resource": "group",
        "operation": "getAll",
        "groupType": "offers",
    }
    code, out, _ = run_cli("run", str(tmp_path / "wf.json"), "--emulator", "--quiet")
    assert code == 0 and json.loads(out)[0]["data"][0]["name"] == "Nutra"


def test_emulator_command_serves_until_interrupted() -> None:
    env = {**os.environ, "KEITARO_API_KEY": "cli-emulator-key"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "keitaro_node.cli", "emulator", "--port", "0", "--clicks", "10"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("Keitaro emulator at http://127.0.0.1:")
        url = line.split()[3]
        request = urllib.request.Request(
            f"{url}/admin_api/v1/campaigns", headers={"Api-Key": "cli-emulator-key"}
        )
        with urllib.request.urlopen(request, timeout=10) as resp:
            assert len(json.loads(resp.read())) == 3
        assert "cli-emulator-key" not in proc.stdout.readline()  # the key itself is never printed
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0


@pytest.mark.parametrize(
    "failure",
    [RuntimeError("a bug"), DefinitionError("node_schema/keitaro.node.yaml", ["broken"])],
    ids=["bug", "definition"],
)
def test_an_internal_error_exits_4_never_as_a_stopped_run(
    monkeypatch: pytest.MonkeyPatch, failure: Exception
) -> None:
    from keitaro_node.cli import validate

    def broken(args: object, out: object, err: object) -> int:
        raise failure

    monkeypatch.setattr(validate, "cmd_validate", broken)
    err = io.StringIO()
    assert main(["validate", "any.yaml"], out=io.StringIO(), err=err) == 4
    assert "internal error" in err.getvalue()
