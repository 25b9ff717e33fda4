"""Ctrl-C and SIGTERM during a batch: finished items are kept, no half-written file, exit 130."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

WORKFLOW = """\
name: Slow batch
credentials:
  emulator: {seed: empty, faults: "latency=100"}
nodes:
  - {name: Rows, type: items, file: rows.ndjson}
  - name: Save networks
    type: keitaro
    resource: affiliate_network
    operation: create
    concurrency: 2
    parameters: {networkData: {name: "=row {{ $json.n }}", notes: "={{ $json.n }}"}}
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_interrupted_batch(tmp_path: Path, sig: signal.Signals) -> None:
    (tmp_path / "rows.ndjson").write_text("".join(f'{{"n": {i}}}\n' for i in range(1000)))
    (tmp_path / "wf.yaml").write_text(WORKFLOW)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "keitaro_node.cli",
            "run",
            "wf.yaml",
            "--output",
            "out.json",
            "--quiet",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(4)  # start-up plus a few dozen items at ~20 items/s
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted in affiliate_network:create" in err and "of 1000 items finished" in err
    rows = json.loads((tmp_path / "out.json").read_text())
    assert 0 < len(rows) < 1000
    assert all(r["success"] for r in rows)
    order = [int(r["data"]["notes"]) for r in rows]
    assert sorted(order) == order  # input order
    assert not list(tmp_path.glob("*.part")) and not list(tmp_path.glob(".*.part"))
