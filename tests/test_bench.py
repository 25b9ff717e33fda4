"""A quick smoke run of bench/ so that it cannot rot (its figures are not asserted here)."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT


def test_bench_quick_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "machine:" in done.stdout
    assert "emulator GET (2,000 clicks) vs bare aiohttp" in done.stdout
    assert "report/build by campaign, 20,000 clicks" in done.stdout
    assert "pinned export 2,000 items: run --pinned" in done.stdout
