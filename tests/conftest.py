"""Shared fixtures: demo emulators on real loopback sockets for the whole session.

``emulator`` answers as a real tracker does (the default); ``original_emulator`` also serves the
original node's guessed paths (``original_paths=True``), for the unofficial operations' tests.
"""

from __future__ import annotations

import json
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from keitaro_node import Credentials, KeitaroNode
from keitaro_node.emulator import Emulator

# The tests (and the processes they start) keep their cached copies apart from the user's.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="keitaro-node-test-cache-")

CANARY = "canary-KEY-7f3a9c1e5b2d"
"""The API key every test uses; it must never show up in any output."""

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "reference"


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    with Emulator.in_thread(api_key=CANARY, seed="demo", clicks=600) as emu:
        yield emu


@pytest.fixture(scope="session")
def original_emulator() -> Iterator[Emulator]:
    with Emulator.in_thread(api_key=CANARY, seed="demo", clicks=300, original_paths=True) as emu:
        yield emu


def credentials_for(emu: Emulator) -> Credentials:
    return Credentials(domain=emu.url, api_key=CANARY, postback_key=emu.tracker.postback_key)


@pytest.fixture(scope="session")
def credentials(emulator: Emulator) -> Credentials:
    return credentials_for(emulator)


@pytest.fixture(scope="session")
def node(credentials: Credentials) -> KeitaroNode:
    return KeitaroNode(credentials)


@pytest.fixture(scope="session")
def original_node(original_emulator: Emulator) -> KeitaroNode:
    return KeitaroNode(credentials_for(original_emulator))


class Http:
    """A tiny synchronous HTTP client (stdlib) for talking to an emulator directly."""

    def __init__(self, base: str, api_key: str = CANARY) -> None:
        self.base = base
        self.api_key = api_key

    def __call__(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        auth: bool = True,
        raw: bytes | None = None,
    ) -> tuple[int, dict[str, str], Any]:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        hdrs = {"Content-Type": "application/json", **(headers or {})}
        if auth:
            hdrs.setdefault("Api-Key", self.api_key)
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:
                status, rhdrs, content = resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as err:
            status, rhdrs, content = err.code, dict(err.headers), err.read()
        text = content.decode("utf-8", errors="replace")
        try:
            parsed: Any = json.loads(text) if text else None
        except ValueError:
            parsed = text
        return status, rhdrs, parsed

    def api(
        self, method: str, path: str, body: Any = None, **kw: Any
    ) -> tuple[int, dict[str, str], Any]:
        return self(method, "/admin_api/v1" + path, body, **kw)


@pytest.fixture(scope="session")
def http(emulator: Emulator) -> Http:
    return Http(emulator.url)


@pytest.fixture(scope="session")
def original_http(original_emulator: Emulator) -> Http:
    return Http(original_emulator.url)


def data_of(out: list[dict[str, Any]]) -> Any:
    """The ``data`` of the single output item of a successful call."""
    assert len(out) == 1, out
    assert out[0]["json"]["success"] is True, out[0]["json"].get("error")
    return out[0]["json"]["data"]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One clear line when the tests that need Keitaro's OpenAPI document were skipped."""
    skipped = terminalreporter.stats.get("skipped", [])
    missing = [r for r in skipped if "OpenAPI document" in str(r.longrepr)]
    if missing:
        terminalreporter.write_line(
            f"{len(missing)} tests compare with Keitaro's OpenAPI document and were skipped: "
            "set KEITARO_OPENAPI=/path/to/keitaro-admin-api-v1.openapi.json (see the README)",
            yellow=True,
        )
