"""``keitaro-node check`` against the emulator, a wrong key, a wrong address and no tracker."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import pytest

from keitaro_node import Credentials, RetryPolicy
from keitaro_node.check import check, safe_reads
from keitaro_node.core.definition import load_definition
from keitaro_node.emulator import Emulator

from .conftest import CANARY
from .test_workflows import run_cli

ONCE = RetryPolicy(max_attempts=1)


def run_check(monkeypatch: pytest.MonkeyPatch, domain: str, key: str = CANARY, *extra: str):
    monkeypatch.setenv("KEITARO_DOMAIN", domain)
    monkeypatch.setenv("KEITARO_API_KEY", key)
    monkeypatch.delenv("KEITARO_POSTBACK_KEY", raising=False)
    code, out, err = run_cli("check", "--env-file", "/nonexistent/.env", *extra)
    assert CANARY not in out + err
    return code, out, err


def test_a_working_tracker(monkeypatch: pytest.MonkeyPatch, emulator: Emulator) -> None:
    before = len(emulator.journal)
    code, out, _ = run_check(monkeypatch, emulator.url, CANARY, "--format", "json")
    report = json.loads(out)
    assert code == 0
    assert report["reachable"] and report["adminApi"] and report["keyValid"]
    assert report["keyKind"] == "admin" and report["postbackKey"] is False
    assert report["reads"] and all(r["ok"] for r in report["reads"]), report["reads"]
    sent = list(emulator.journal)[before:]
    assert sent and all(e.method in ("GET", "POST") for e in sent)
    posted = {e.path for e in sent if e.method == "POST"}
    assert posted <= {
        "/admin_api/v1/clicks/log",
        "/admin_api/v1/conversions/log",
        "/admin_api/v1/report/build",
        "/admin_api/v1/logs/types",
    }, "check sends reads only"


def test_text_report(monkeypatch: pytest.MonkeyPatch, emulator: Emulator) -> None:
    code, out, _ = run_check(monkeypatch, emulator.url)
    assert code == 0
    assert "API key valid: yes" in out and "key kind: admin" in out
    assert "campaign:getAll" in out and "postback key: not set" in out


def test_a_user_key() -> None:
    with Emulator.in_thread(api_key=CANARY, seed="demo", clicks=20, restricted=True) as emu:
        report = asyncio.run(check(Credentials(emu.url, CANARY)))
    assert report.usable and report.key_kind.startswith("user")
    failed = {p.operation: p.status for p in report.probes if not p.ok}
    assert failed == {"user:getAll": "403"}


def test_a_wrong_key(monkeypatch: pytest.MonkeyPatch, emulator: Emulator) -> None:
    code, out, _ = run_check(monkeypatch, emulator.url, "not-the-key")
    assert code == 2
    assert "API key valid: no" in out and "refused the API key (401)" in out


def test_the_panel_instead_of_the_api(monkeypatch: pytest.MonkeyPatch, emulator: Emulator) -> None:
    # an address under which every path is the panel's HTML page (a wrong path on the tracker)
    code, out, _ = run_check(monkeypatch, emulator.url + "/admin_api/panel")
    assert code == 2
    assert "Admin API: no" in out and "HTML page" in out and "admin panel opens" in out


def test_an_unreachable_host() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    report = asyncio.run(check(Credentials(f"http://127.0.0.1:{port}", CANARY), retry=ONCE))
    assert not report.usable and not report.reachable
    assert report.problem.startswith("unreachable: could not connect")
    assert "reachable: no" in report.text()


def test_missing_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("KEITARO_DOMAIN", raising=False)
    monkeypatch.delenv("KEITARO_API_KEY", raising=False)
    code, _, err = run_cli("check", "--env-file", str(tmp_path / ".env"))
    assert code == 2 and "KEITARO_DOMAIN" in err


def test_safe_reads_are_reads() -> None:
    definition = load_definition()
    for key in safe_reads(definition):
        op = definition.operation(*key.split(":"))
        assert op.official and op.edit is None and op.idempotent, key
        assert op.method == "GET" or op.value.startswith("get"), key
