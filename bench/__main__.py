"""``python -m bench [--quick]``: every benchmark, each against a baseline from the same run."""

from __future__ import annotations

import argparse
import sys

from . import (
    emulator_rate,
    emulator_reports,
    exactly_once,
    expressions,
    memory,
    n8n_scale,
    overhead,
    pinned,
    serve_soak,
    startup,
    throughput,
    workflow_process,
)
from .common import Result, machine


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run of seconds")
    parser.add_argument("--profile", action="store_true", help="print where executor time goes")
    args = parser.parse_args(argv)
    quick = args.quick
    print(f"machine: {machine()}")
    print(f"{'benchmark':<40} {'ratio':>7}  {'target':<22} {'':<5} figures", flush=True)
    results: list[Result] = []

    def show(*new: Result) -> None:
        for result in new:
            results.append(result)
            print(result.line(), flush=True)

    show(emulator_rate.run(requests=300 if quick else 4000, clicks=2000 if quick else 100_000))
    show(*emulator_reports.run((20_000,) if quick else (100_000, 1_000_000)))
    show(throughput.throughput(items=300 if quick else 5000, rounds=1 if quick else 5))
    show(throughput.latency_hiding(items=64 if quick else 500))
    show(workflow_process.run(items=300 if quick else 2000, rounds=1 if quick else 5))
    result, profile = overhead.run(items=2000 if quick else 20000, profile=args.profile)
    show(result)
    show(*memory.run((2000, 4000) if quick else (50_000, 100_000, 200_000)))
    show(*startup.run(runs=3 if quick else 7))
    show(*exactly_once.run(count=60 if quick else 300))
    show(*expressions.run(items=500 if quick else 10_000, rounds=1 if quick else 3))
    show(*pinned.run(2000 if quick else 100_000))
    show(*serve_soak.run(requests=500 if quick else 10_000))
    show(*n8n_scale.run((2000,) if quick else (10_000, 100_000), with_million=not quick))
    if profile:
        print("\nwhere executor time goes (cProfile, by own time):\n" + profile)
    failed = [r.name for r in results if r.passed is False]
    if failed:
        print(f"\nbelow target: {', '.join(failed)}")
    return 1 if failed and not quick else 0


if __name__ == "__main__":
    sys.exit(main())
