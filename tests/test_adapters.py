"""Adapters without their engines: importing one says which extra to install; the shared part
(run one operation, fail on item errors, write big results to a file) works against the
emulator. The real-engine runs are in tests/engines (CI's adapters step: pytest -m engines)."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import json
from pathlib import Path

import pytest

from keitaro_node import Credentials
from keitaro_node.adapters.common import ItemsFailed, plain_items, run_operation, to_file


@pytest.mark.parametrize(
    ("adapter", "engine", "extra"),
    [
        ("prefect", "prefect", "prefect"),
        ("airflow", "airflow", "airflow"),
        ("dagster", "dagster", "dagster"),
    ],
)
def test_missing_engine_gives_the_install_line(adapter: str, engine: str, extra: str) -> None:
    if importlib.util.find_spec(engine) is not None:
        pytest.skip(f"{engine} is installed here; the engines step tests the adapter itself")
    with pytest.raises(ImportError, match=rf"pip install 'keitaro-node\[{extra}\]'"):
        importlib.import_module(f"keitaro_node.adapters.{adapter}")


def test_run_operation_and_fail_on_item_error(credentials: Credentials, tmp_path: Path) -> None:
    items = plain_items([{"id": 1}, {"json": {"id": 424242}}])
    out = asyncio.run(
        run_operation(credentials, "campaign", "get", items, lambda js, i: {"campaignId": js["id"]})
    )
    assert [o["json"]["success"] for o in out] == [True, False]
    with pytest.raises(ItemsFailed, match="1 of 2 items failed") as err:
        asyncio.run(
            run_operation(
                credentials,
                "campaign",
                "get",
                items,
                lambda js, i: {"campaignId": js["id"]},
                fail_on_item_error=True,
            )
        )
    assert len(err.value.items) == 2
    summary = to_file(out, str(tmp_path / "big.json"))
    assert summary == {"path": str(tmp_path / "big.json"), "count": 2}
    assert len(json.loads((tmp_path / "big.json").read_text())) == 2
