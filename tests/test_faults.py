"""Fault injection: every kind is produced, is deterministic, and never corrupts the store."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from keitaro_node.emulator import Emulator, FaultSpec
from keitaro_node.emulator.faults import FaultPlan

from .conftest import CANARY, Http


async def _post(url: str, body: dict) -> tuple[int | str, dict, bytes, float]:
    started = time.perf_counter()
    async with aiohttp.ClientSession(headers={"Api-Key": CANARY}) as session:
        try:
            async with session.post(f"{url}/admin_api/v1/affiliate_networks", json=body) as resp:
                return (
                    resp.status,
                    dict(resp.headers),
                    await resp.read(),
                    time.perf_counter() - started,
                )
        except aiohttp.ClientError as exc:
            return type(exc).__name__, {}, b"", time.perf_counter() - started


@pytest.fixture(scope="module")
def emu() -> Emulator:
    with Emulator.in_thread(api_key=CANARY, seed=None) as emulator:
        yield emulator


def stored(emu: Emulator) -> int:
    return emu.counts().get("affiliate_networks", 0)


@pytest.mark.parametrize(
    ("spec", "applied"),
    [
        ("500=1", False),
        ("502=1", False),
        ("503=1", False),
        ("429=1,retry_after=7", False),
        ("reset=1", False),
        ("drop=1", True),
        ("truncate=1", True),
        ("slow=1,slow_ms=400", True),
    ],
)
def test_each_fault_kind(emu: Emulator, spec: str, applied: bool) -> None:
    emu.set_faults(spec)
    before = stored(emu)
    status, headers, body, elapsed = asyncio.run(_post(emu.url, {"name": f"fault {spec}"}))
    emu.set_faults(None)
    kind = spec.split("=")[0]
    if kind in ("500", "503"):
        assert status == int(kind) and body.startswith(b"{")
    elif kind == "502":
        assert (
            status == 502 and b"502 Bad Gateway" in body and "text/html" in headers["Content-Type"]
        )
    elif kind == "429":
        assert status == 429 and headers["Retry-After"] == "7"
    elif kind in ("reset", "drop"):
        assert status in ("ServerDisconnectedError", "ClientOSError")
    elif kind == "truncate":
        assert status == "ClientPayloadError"
    elif kind == "slow":
        assert status == 200 and elapsed >= 0.3 and body.endswith(b"}")
    assert stored(emu) == before + (1 if applied else 0)
    # the store still answers consistently after the fault
    listed = Http(emu.url).api("GET", "/affiliate_networks")[2]
    assert len(listed) == stored(emu)
    assert len({s["id"] for s in listed}) == len(listed)


def test_latency(emu: Emulator) -> None:
    emu.set_faults("latency=150")
    try:
        status, _, _, elapsed = asyncio.run(_post(emu.url, {"name": "slow"}))
    finally:
        emu.set_faults(None)
    assert status == 200 and elapsed >= 0.15


def test_faults_are_deterministic() -> None:
    spec = FaultSpec.parse("500=0.2,429=0.1,reset=0.1,latency=5,jitter=10,seed=42")
    a, b = FaultPlan(spec), FaultPlan(spec)
    assert [a.draw() for _ in range(200)] == [b.draw() for _ in range(200)]
    assert a.counts == b.counts and set(a.counts) == {"500", "429", "reset"}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("bogus=1", "unknown fault 'bogus'"),
        ("500=x", "needs a number"),
        ("500=2", "out of range"),
        ("500=0.6,502=0.6", "add up to more than 1"),
        ("500", "unknown fault '500'"),
    ],
)
def test_bad_fault_specs(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        FaultSpec.parse(text)


def test_faults_can_change_over_http(emu: Emulator) -> None:
    http = Http(emu.url)
    assert http("PUT", "/_emulator/faults", {"spec": "503=1"})[0] == 200
    assert http.api("GET", "/affiliate_networks")[0] == 503
    assert http("PUT", "/_emulator/faults", {"spec": None})[0] == 200
    assert http.api("GET", "/affiliate_networks")[0] == 200
    assert http("PUT", "/_emulator/faults", {"spec": "nope=1"})[0] == 400
