"""Shared pieces of the benchmarks: machine facts, servers in subprocesses, a raw aiohttp load."""

from __future__ import annotations

import asyncio
import compileall
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]


def as_installed() -> None:
    """Compile the package's bytecode, as pip does when it installs it: a machine that sets
    PYTHONDONTWRITEBYTECODE (this one does) would otherwise compile a source checkout anew in
    every process it starts, while the packages it compares with (aiohttp) are compiled."""
    compileall.compile_dir(ROOT / "keitaro_node", quiet=1)


def high_water_mb(pid: int | str = "self") -> float | None:
    """A process's peak resident memory since its exec (VmHWM), in MB; None where /proc is
    not. Unlike ru_maxrss it does not count the parent's pages a child held before its exec
    (a benchmark process that has grown would inflate every child it starts)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def machine() -> str:
    return (
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}, aiohttp {aiohttp.__version__}"
    )


@dataclass
class Server:
    url: str
    pid: int

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used (Linux /proc)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def server(kind: str, *args: str) -> Iterator[Server]:
    """Start ``bench.serve KIND`` in its own process; yield it; stop it afterwards."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.serve", kind, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"bench server {kind} did not start")
        yield Server(url, proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def raw_load(
    urls: Sequence[str], headers: dict[str, str], concurrency: int, *, parse: bool = False
) -> float:
    """The hand-written baseline: one session, N workers, plain GETs (and ``json.loads`` of each
    answer with ``parse``, as any real client does). Returns requests/second."""
    queue = iter(urls)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def worker() -> None:
            for url in queue:
                async with session.get(url) as resp:
                    body = await resp.read()
                    assert resp.status == 200
                    if parse:
                        json.loads(body)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return len(urls) / (time.perf_counter() - started)


@dataclass
class Result:
    name: str
    figure: str
    ratio: float | None = None
    target: str = ""
    passed: bool | None = None

    def line(self) -> str:
        verdict = "" if self.passed is None else ("PASS" if self.passed else "FAIL")
        ratio = f"{self.ratio:.2f}" if self.ratio is not None else "-"
        return f"{self.name:<40} {ratio:>7}  {self.target:<22} {verdict:<5} {self.figure}"
