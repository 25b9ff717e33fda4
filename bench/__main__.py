"""``python -m bench [--quick]``: every benchmark, each against a baseline from the same run."""

from __future__ import annotations

import argparse
import sys

from . import emulator_rate
from .common import machine


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run, seconds)")
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    print(f"{'benchmark':<34} {'ratio':>7}  {'target':<16} {'':<5} figures")
    results = [emulator_rate.run(requests=300 if args.quick else 4000)]
    for result in results:
        print(result.line(), flush=True)
    failed = [r for r in results if r.passed is False]
    return 1 if failed and not args.quick else 0


if __name__ == "__main__":
    sys.exit(main())
