"""Memory on large exports: the clicks log of 50,000 / 100,000 / 200,000 rows, paged and written
to NDJSON by ``KeitaroNode.stream``. Each export runs in a fresh process that reports its peak RSS;
the baseline is the same process exporting 1,000 rows."""

from __future__ import annotations

import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import ROOT, Result, high_water_mb, server

LIMIT_MB = 200


def child(url: str, key: str, path: str) -> None:
    """Run in a subprocess: export every click to ``path``; print rows, seconds and peak RSS."""
    from keitaro_node import Credentials, KeitaroNode
    from keitaro_node.outputs import stream_to

    async def export() -> int:
        node = KeitaroNode(Credentials(url, key))
        with stream_to(path, "ndjson") as writer:
            async for page in node.stream(
                "click",
                "getAll",
                {
                    "clickFilters": {
                        "interval": "all_time",
                        "columns": [
                            "sub_id",
                            "datetime",
                            "campaign",
                            "country_code",
                            "ip",
                            "cost",
                            "revenue",
                        ],
                    }
                },
            ):
                writer.write(page)
        return writer.count

    started = time.perf_counter()
    rows = asyncio.run(export())
    peak_mb = high_water_mb() or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "seconds": time.perf_counter() - started, "peak_mb": peak_mb}))


def _export(rows: int) -> dict[str, float]:
    from .serve import BENCH_KEY

    with server("emulator", "--clicks", str(rows)) as srv, tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "clicks.ndjson"
        done = subprocess.run(
            [sys.executable, "-m", "bench.memory", srv.url, BENCH_KEY, str(out)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=900,
        )
        report = json.loads(done.stdout)
        assert report["rows"] == rows == sum(1 for _ in out.open())
        return report


def run(sizes: tuple[int, ...] = (50_000, 100_000, 200_000)) -> list[Result]:
    baseline = _export(1000)
    results = []
    for rows in sizes:
        report = _export(rows)
        growth = report["peak_mb"] - baseline["peak_mb"]
        results.append(
            Result(
                f"export {rows} clicks to NDJSON",
                f"peak RSS {report['peak_mb']:.0f} MB (1,000 rows: {baseline['peak_mb']:.0f} MB, "
                f"+{growth:.0f} MB); {rows / report['seconds']:.0f} rows/s",
                report["peak_mb"] / baseline["peak_mb"],
                f"< {LIMIT_MB} MB",
                report["peak_mb"] < LIMIT_MB,
            )
        )
    return results


if __name__ == "__main__":
    child(*sys.argv[1:4])
