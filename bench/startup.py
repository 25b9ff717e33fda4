"""Start-up: ``keitaro-node --help`` and ``--version`` against ``python -c pass``; neither may
import aiohttp or jsonschema."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from .common import Result, as_installed

LIMIT = 4.0


def _time(args: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(args, capture_output=True, check=True, timeout=60)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def heavy_imports(flag: str) -> list[str]:
    """aiohttp or jsonschema, if ``keitaro-node FLAG`` imports them."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "keitaro_node.cli", flag],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    names = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    return sorted(names & {"aiohttp", "jsonschema"})


def run(runs: int = 7) -> list[Result]:
    as_installed()
    base = _time([sys.executable, "-c", "pass"], runs)
    results = []
    for flag in ("--help", "--version"):
        took = _time([sys.executable, "-m", "keitaro_node.cli", flag], runs)
        heavy = heavy_imports(flag)
        ratio = took / base
        results.append(
            Result(
                f"keitaro-node {flag}",
                f"{took * 1000:.0f} ms vs python -c pass {base * 1000:.0f} ms; "
                f"heavy imports: {', '.join(heavy) or 'none'}",
                ratio,
                f"<= {LIMIT:.0f}x, no aiohttp",
                ratio <= LIMIT and not heavy,
            )
        )
    return results
