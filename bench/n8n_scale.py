"""Batch processing side by side with n8n 1.95: the same n8n workflow JSON (a Code node making N
items -> Set with three expressions per item -> If -> Set) through ``keitaro-node run`` and
through n8n's own engine (``tests/oracle/n8n_run.js``: n8n-core's WorkflowExecute with
n8n-nodes-base), whole process against whole process: items/s and peak memory (the process's
maximum resident set), printed as ratios. n8n's part runs when Node.js and the oracle's packages
are there (``cd tests/oracle && npm install``); this project's always does, at 1M items too.

    python -m bench.n8n_scale [--sizes 10000,100000] [--million]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from .common import ROOT, Result, as_installed, high_water_mb

ORACLE = ROOT / "tests" / "oracle"
SPEED_TARGET = 3.0
MEMORY_TARGET = 0.5
MILLION_MB = 2048


def workflow(items: int) -> dict[str, Any]:
    """The workflow of the scale issue, as an n8n export."""

    def node(n: int, name: str, kind: str, version: float, parameters: dict[str, Any]) -> Any:
        return {
            "id": str(n),
            "name": name,
            "type": f"n8n-nodes-base.{kind}",
            "typeVersion": version,
            "position": [200 * n, 0],
            "parameters": parameters,
        }

    def field(name: str, value: str, kind: str) -> dict[str, Any]:
        return {"id": name, "name": name, "value": value, "type": kind}

    make = (
        f"const out = [];\nfor (let i = 0; i < {items}; i++) "
        "out.push({json: {id: i, name: 'item ' + i, price: i % 100}});\nreturn out;"
    )
    enrich = [
        field("total", "={{ $json.price * 1.2 }}", "number"),
        field("label", "={{ $json.name.toUpperCase() }}", "string"),
        field("even", "={{ $json.id % 2 === 0 }}", "boolean"),
    ]
    cheap = {
        "conditions": {
            "options": {"caseSensitive": True, "leftValue": "", "typeValidation": "strict"},
            "conditions": [
                {
                    "id": "c",
                    "leftValue": "={{ $json.total }}",
                    "rightValue": 50,
                    "operator": {"type": "number", "operation": "lt"},
                }
            ],
            "combinator": "and",
        },
        "options": {},
    }

    def assign(fields: list[dict[str, Any]]) -> dict[str, Any]:
        return {"assignments": {"assignments": fields}, "includeOtherFields": True, "options": {}}

    nodes = [
        node(1, "Start", "manualTrigger", 1, {}),
        node(2, "Make", "code", 2, {"jsCode": make}),
        node(3, "Enrich", "set", 3.4, assign(enrich)),
        node(4, "Cheap?", "if", 2.2, cheap),
        node(5, "Tag", "set", 3.4, assign([field("tag", "cheap", "string")])),
    ]
    names = [n["name"] for n in nodes]
    connections = {
        a: {"main": [[{"node": b, "type": "main", "index": 0}]]} for a, b in pairwise(names)
    }
    settings = {"executionOrder": "v1"}
    return {
        "name": f"scale {items}",
        "nodes": nodes,
        "connections": connections,
        "settings": settings,
    }


@dataclass
class Measured:
    seconds: float
    peak_mb: float
    out: str
    """What the process printed."""


def measure(command: list[str], cwd: Path) -> Measured:
    """Wall time and peak resident memory of one whole process (its VmHWM, read as it runs)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=err)
        peak = 0.0
        while proc.poll() is None:  # the high-water mark only grows: the last reading is it
            peak = max(peak, high_water_mb(proc.pid) or 0.0)
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise RuntimeError(f"{command[:3]} failed: {err.read().decode()[-400:]}")
        return Measured(seconds, peak, out.read().decode())


def ours(path: Path) -> tuple[Measured, int]:
    """This project's run of the export: the measurement and the items the last node output."""
    command = [sys.executable, "-m", "keitaro_node.cli", "run", str(path), "--quiet"]
    measured = measure([*command, "--format", "ndjson"], path.parent)
    return measured, sum(1 for line in measured.out.splitlines() if line.strip())


def n8n(path: Path) -> tuple[Measured, int] | None:
    """n8n's run of the same export, when Node.js and the oracle's packages are there."""
    node = shutil.which("node")
    if node is None or not (ORACLE / "node_modules" / "n8n-core").is_dir():
        return None
    measured = measure([node, str(ORACLE / "n8n_run.js"), str(path)], path.parent)
    text = measured.out[measured.out.index("{\n") :]  # after n8n's notices on stdout
    return measured, len(json.loads(text)["Tag"])


def compare(items: int, folder: Path) -> list[Result]:
    path = folder / f"scale-{items}.json"
    path.write_text(json.dumps(workflow(items)))
    mine, count = ours(path)
    figure = f"{items:,} items: {mine.seconds:.1f} s, {mine.peak_mb:.0f} MB"
    theirs = n8n(path)
    if theirs is None:
        return [Result(f"n8n scale {items:,} (n8n absent)", figure)]
    other, other_count = theirs
    if other_count != count:
        raise RuntimeError(f"{items}: {count} items out here, {other_count} in n8n")
    speed = other.seconds / mine.seconds
    memory = mine.peak_mb / other.peak_mb
    figure += f"; n8n 1.95 {other.seconds:.1f} s, {other.peak_mb:.0f} MB ({count:,} out in both)"
    return [
        Result(f"n8n scale {items:,}: items/s vs n8n", figure, speed, f">= {SPEED_TARGET}",
               speed >= SPEED_TARGET),
        Result(f"n8n scale {items:,}: peak memory vs n8n", "", memory, f"<= {MEMORY_TARGET}",
               memory <= MEMORY_TARGET),
    ]  # fmt: skip


def million(folder: Path, reference: int = 100_000) -> list[Result]:
    """1M items through the same workflow: completes, peak memory, and linear (items/s at 1M
    against items/s at 100k, in the same run)."""
    runs = {}
    for items in (reference, 1_000_000):
        path = folder / f"scale-{items}.json"
        path.write_text(json.dumps(workflow(items)))
        runs[items] = ours(path)[0]
    big = runs[1_000_000]
    linear = (1_000_000 / big.seconds) / (reference / runs[reference].seconds)
    figure = f"1M items: {big.seconds:.0f} s, {big.peak_mb:.0f} MB"
    figure += f"; 100k: {runs[reference].seconds:.1f} s"
    return [
        Result("1M items: items/s vs at 100k", figure, linear, ">= 0.8 (linear)", linear >= 0.8),
        Result("1M items: peak memory", f"{big.peak_mb:.0f} MB", big.peak_mb / MILLION_MB,
               f"<= 1 of {MILLION_MB} MB", big.peak_mb <= MILLION_MB),
    ]  # fmt: skip


def run(sizes: tuple[int, ...] = (10_000, 100_000), with_million: bool = False) -> list[Result]:
    as_installed()
    with tempfile.TemporaryDirectory(prefix="kn-scale-") as tmp:
        results = [r for items in sizes for r in compare(items, Path(tmp))]
        if with_million:
            results += million(Path(tmp))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.n8n_scale")
    parser.add_argument("--sizes", default="10000,100000", help="item counts, comma-separated")
    parser.add_argument("--million", action="store_true", help="also 1M items (this project)")
    args = parser.parse_args()
    sizes = tuple(int(n) for n in args.sizes.split(","))
    for result in run(sizes, args.million):
        print(result.line(), flush=True)


if __name__ == "__main__":
    main()
