"""Expressions: a workflow of 10,000 items whose Keitaro node has three expressions per item,
against the same workflow with literal parameters (same emulator process, alternating rounds);
the cost of one evaluation; and the sandbox's memory over successive batches."""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

from keitaro_node import Credentials
from keitaro_node.embedded import run_workflow
from keitaro_node.expressions import Context, evaluate, sandbox
from keitaro_node.workflows import load_workflow

from .common import Result, server
from .serve import BENCH_KEY

RATIO_TARGET = 0.8
PARAMETERS = {
    "expressions": {
        "campaignId": "={{ $json.id }}",
        "campaignData": {
            "name": "={{ $json.name.toTitleCase() }}",
            "notes": "={{ 'row ' + $itemIndex + ' of ' + $input.all().length }}",
        },
    },
    "literals": {"campaignId": "1", "campaignData": {"name": "Camp", "notes": "row"}},
}


def _workflow(folder: Path, kind: str, items: int) -> Path:
    data = folder / "items.json"
    if not data.exists():
        rows = [{"id": i % 3 + 1, "name": f"campaign number {i}"} for i in range(items)]
        data.write_text(json.dumps(rows))
    doc = {
        "name": f"bench {kind}",
        "nodes": [
            {"name": "Rows", "type": "items", "file": "items.json"},
            {
                "name": "Update",
                "type": "keitaro",
                "resource": "campaign",
                "operation": "update",
                "concurrency": 16,
                "parameters": PARAMETERS[kind],
            },
        ],
    }
    path = folder / f"{kind}.json"
    path.write_text(json.dumps(doc))
    return path


def _timed(path: Path, credentials: Credentials, items: int) -> float:
    workflow = load_workflow(path)
    started = time.perf_counter()
    result = asyncio.run(run_workflow(workflow, credentials=credentials))
    elapsed = time.perf_counter() - started
    assert result.failed == 0 and len(result.items) == items, result.failed
    return elapsed


def workflow_ratio(items: int = 10_000, rounds: int = 3) -> Result:
    with tempfile.TemporaryDirectory() as tmp, server("emulator") as srv:
        folder = Path(tmp)
        credentials = Credentials(srv.url, BENCH_KEY)
        paths = {kind: _workflow(folder, kind, items) for kind in PARAMETERS}
        for path in paths.values():  # warm-up: definition, validators, the sandbox
            _timed(path, credentials, items)
        literal, expr = [], []
        for _ in range(rounds):
            literal.append(_timed(paths["literals"], credentials, items))
            expr.append(_timed(paths["expressions"], credentials, items))
    ratio = statistics.median(lit / exp for lit, exp in zip(literal, expr, strict=True))
    return Result(
        f"workflow {items} items x 3 expressions",
        f"literal {items / statistics.median(literal):.0f} items/s, expressions "
        f"{items / statistics.median(expr):.0f} items/s (campaign:update, c=16, "
        f"medians of {rounds} alternating rounds)",
        ratio,
        f">= {RATIO_TARGET} of literal",
        ratio >= RATIO_TARGET,
    )


def evaluation_cost(count: int = 20_000) -> Result:
    items = [{"json": {"id": i, "name": f"campaign number {i}"}} for i in range(count)]
    cases = {
        "path": "={{ $json.id }}",
        "method": "={{ $json.name.toTitleCase() }}",
        "mixed text": "=row {{ $itemIndex }}: {{ $json.name }}",
    }
    figures = []
    for label, expression in cases.items():
        evaluate(expression, Context(items=items, index=0))  # compile once
        started = time.perf_counter()
        for i in range(count):
            evaluate(expression, Context(items=items, index=i))
        figures.append(f"{label} {(time.perf_counter() - started) / count * 1e6:.1f} µs")
    return Result("one expression evaluation", ", ".join(figures))


def memory(batches: int = 6, size: int = 10_000) -> Result:
    """The sandbox's heap after each batch of fresh items (a new node's input each time)."""
    used = []
    for batch in range(batches):
        items = [{"json": {"id": i, "name": f"batch {batch} item {i}"}} for i in range(size)]
        for i in range(size):
            evaluate("={{ $json.name.toUpperCase() + $json.id }}", Context(items=items, index=i))
        box = sandbox.realm()
        box.context.gc()
        used.append(int(box.context.memory()["memory_used_size"]) / 1e6)
    growth = used[-1] / used[1]
    return Result(
        f"sandbox memory, {batches} batches of {size}",
        "MB after each batch: " + " ".join(f"{u:.1f}" for u in used),
        growth,
        "<= 1.2 (flat)",
        growth <= 1.2,
    )


def run(items: int = 10_000, rounds: int = 3) -> list[Result]:
    return [
        workflow_ratio(items, rounds),
        evaluation_cost(min(items * 2, 20_000)),
        memory(batches=6, size=max(items // 5, 500)),
    ]
