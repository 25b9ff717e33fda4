"""Prefect 3: a flow with the Keitaro task, and a YAML workflow as a flow, against the emulator."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ..conftest import CANARY, ROOT
from .conftest import need

pytestmark = pytest.mark.engines


def test_prefect_task_and_workflow_flow(
    emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    need("prefect")
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    monkeypatch.setenv("KEITARO_DOMAIN", emulator.url)
    monkeypatch.setenv("KEITARO_API_KEY", CANARY)
    from prefect import flow

    from keitaro_node.adapters.prefect import keitaro_task, workflow_flow

    @flow(name="keitaro-adapter-test")
    async def campaigns() -> list:
        listed = await keitaro_task("campaign", "getAll", {"limit": 2})
        return await keitaro_task(
            "campaign",
            "get",
            items=[{"id": c["id"]} for c in listed[0]["json"]["data"]],
            parameters={"campaignId": "1"},
            split=False,
        )

    out = asyncio.run(campaigns())
    assert [o["json"]["success"] for o in out] == [True, True]
    assert CANARY not in str(out)

    monkeypatch.chdir(tmp_path)
    result = asyncio.run(workflow_flow(ROOT / "workflows" / "quickstart.yaml")())
    assert [i["json"]["alias"] for i in result] == ["demo-fb", "demo-google", "demo-push"]
