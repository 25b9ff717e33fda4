"""The README's engine examples, run for real (in the engines step)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..conftest import CANARY
from ..readme_blocks import blocks, run_python
from .conftest import need

pytestmark = pytest.mark.engines


@pytest.mark.parametrize("engine", ["prefect", "airflow", "dagster"])
def test_engine_example_runs(
    engine: str, emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    need(engine)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path / "airflow"))
    (code,) = blocks("python", engine)
    done = run_python(code, emulator.url, CANARY, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
