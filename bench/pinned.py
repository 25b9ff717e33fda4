"""An n8n export with 100k pinned items, whole process: ``keitaro-node validate`` and ``keitaro-node
run --pinned`` with every item out, each within 5 s; beside them, a bare ``json.load`` of the same
file in its own process (what reading it costs at the least)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .common import Result, as_installed

BUDGET_S = 5.0


def export(items: int) -> dict[str, Any]:
    def node(n: int, name: str, kind: str, parameters: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": str(n),
            "name": name,
            "type": f"n8n-nodes-base.{kind}",
            "typeVersion": 2 if kind == "code" else 1,
            "position": [200 * n, 0],
            "parameters": parameters,
        }

    rows = [{"json": {"id": i, "name": f"row {i}", "price": i % 100 / 4}} for i in range(items)]
    return {
        "name": f"pinned {items}",
        "nodes": [
            node(1, "Start", "manualTrigger", {}),
            node(2, "Rows", "code", {"jsCode": "return [];"}),
            node(3, "Out", "noOp", {}),
        ],
        "connections": {
            "Start": {"main": [[{"node": "Rows", "type": "main", "index": 0}]]},
            "Rows": {"main": [[{"node": "Out", "type": "main", "index": 0}]]},
        },
        "pinData": {"Rows": rows},
        "settings": {"executionOrder": "v1"},
    }


def _timed(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return time.perf_counter() - started, done.stdout


def run(items: int = 100_000) -> list[Result]:
    as_installed()
    with tempfile.TemporaryDirectory(prefix="kn-pinned-") as tmp:
        path = Path(tmp) / "pinned.json"
        path.write_text(json.dumps(export(items), indent=2), encoding="utf-8")
        cli = [sys.executable, "-m", "keitaro_node.cli"]
        floor, _ = _timed([sys.executable, "-c", f"import json; json.load(open({str(path)!r}))"])
        validate, _ = _timed([*cli, "validate", str(path)])
        ran, out = _timed([*cli, "run", str(path), "--pinned", "--quiet", "--format", "ndjson"])
    count = sum(1 for line in out.splitlines() if line.strip())
    if count != items:
        raise RuntimeError(f"run --pinned gave {count} items, not {items}")
    return [
        Result(
            f"pinned export {items:,} items: validate",
            f"{validate:.2f} s; a bare json.load of the file {floor:.2f} s; ratio = budget / time",
            BUDGET_S / validate,
            f"<= {BUDGET_S:.0f} s",
            validate <= BUDGET_S,
        ),
        Result(
            f"pinned export {items:,} items: run --pinned",
            f"{ran:.2f} s, {count:,} items out; ratio = budget / time",
            BUDGET_S / ran,
            f"<= {BUDGET_S:.0f} s",
            ran <= BUDGET_S,
        ),
    ]


if __name__ == "__main__":
    for result in run():
        print(result.line())
