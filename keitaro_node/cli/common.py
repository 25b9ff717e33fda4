"""What the commands share: exit codes, reading the workflow named on the command line, running
a coroutine so that Ctrl-C and SIGTERM stop it cleanly, and the progress line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

TYPE_CHECKING = False  # typing itself is not imported: it costs start-up time
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any, TextIO

    from ..workflows import Workflow

EXIT_OK = 0
EXIT_ITEMS_FAILED = 1
EXIT_INVALID = 2
EXIT_STOPPED = 3
EXIT_INTERNAL = 4
EXIT_INTERRUPTED = 130

EXIT_CODES = """\
exit codes:
  0    every item succeeded
  1    the run finished, but some items failed (onError: continue…)
  2    invalid input: bad workflow, parameters, credentials or usage
  3    the run stopped: an item failed in a node with onError: stopWorkflow
  4    an internal error: the node definition is invalid, or a bug (please report it)
  130  interrupted (Ctrl-C or SIGTERM); finished output is kept, no half-written file
"""


def add_env_file(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--env-file", type=Path, default=Path(".env"), help="default: ./.env")


def add_emulator(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument(
        "--emulator", nargs="?", const="demo", choices=("demo", "empty"), metavar="SEED", help=help
    )


def add_credentials(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument("--credentials", type=Path, metavar="FILE", help=help)


def overrides(pairs: Sequence[str]) -> dict[str, str]:
    """``--set KEY=VALUE`` pairs."""
    from ..errors import InputError

    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InputError(f"--set {pair!r}: expected KEY=VALUE")
        out[key] = value
    return out


def load(args: argparse.Namespace) -> Workflow:
    """The workflow named on the command line: YAML, or an n8n JSON export."""
    changes = overrides(getattr(args, "set", []))
    if args.workflow.suffix.lower() == ".json":
        from ..n8n import load_n8n

        return load_n8n(args.workflow, overrides=changes)
    from ..workflows import load_workflow

    return load_workflow(args.workflow, overrides=changes)


def run_interruptibly(coro: Any) -> Any:
    """Run to completion. Ctrl-C, SIGTERM and SIGHUP (a closed terminal) all cancel the run, so
    it stops the same way: no new item starts, requests in flight get the grace period, what
    finished is kept and what did not is reported (Interrupted), and no file is left
    half-written. JavaScript running at that moment stops too: an expression within its time
    limit, a Code node at once (it runs on a worker thread). A second signal cancels the grace
    period."""
    import asyncio
    import signal

    signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    async def guarded() -> Any:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()

        def stop(signum: int, frame: Any) -> None:
            # a Python handler, not the loop's: it runs even while a node works without
            # awaiting (thousands of expressions in a row), and tells the sandbox to refuse
            # the next evaluation, so that the cancellation lands within a second
            sandbox = sys.modules.get("keitaro_node.expressions.sandbox")
            if sandbox is not None:
                sandbox.interrupt()
            loop.call_soon_threadsafe(task.cancel)

        for sig in signals:
            signal.signal(sig, stop)
        return await coro

    before = {sig: signal.getsignal(sig) for sig in signals}
    try:
        return asyncio.run(guarded())
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
        sandbox = sys.modules.get("keitaro_node.expressions.sandbox")
        if sandbox is not None:
            sandbox.interrupt(False)


class Progress:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, stream: TextIO, enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled and stream.isatty()
        self._last = ""

    def __call__(self, node: str, done: int, total: int) -> None:
        if not self.enabled or total < 20:
            return
        width = 30
        filled = width * done // total
        line = f"\r{node[:24]:<24} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        if line != self._last:
            self.stream.write(line)
            self.stream.flush()
            self._last = line
        if done == total:
            self.stream.write("\n")


def version() -> str:
    from .._version import __version__

    return __version__


class VersionAction(argparse.Action):
    """``--version``, looked up only when asked for (importlib.metadata is slow to import)."""

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        sys.stdout.write(f"keitaro-node {version()}\n")
        parser.exit()
