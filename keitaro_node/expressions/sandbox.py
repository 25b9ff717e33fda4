"""The JavaScript sandbox that evaluates n8n expressions: QuickJS (the quickjs-ng package).

One context per thread, loaded once with the runtime in ``js/`` (n8n's data, extension functions,
a Luxon-like DateTime). The context has no host access at all: no files, network, process,
imports or Python objects; Python hands data in as JSON text and gets JSON text back. Each call
is bounded in time (``TIME_LIMIT``) and the context in memory (``MEMORY_HEADROOM`` above the data
loaded), and a stack overflow stays inside. Time zones reach the sandbox as tables of offsets
computed here with zoneinfo, loaded the first time an expression asks for a zone.
"""

from __future__ import annotations

import json
import os
import re
import threading
import zoneinfo
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import quickjs

from ..cache import json_copy

TIME_LIMIT = 1.0
"""Seconds one evaluation may run."""
CODE_TIME_LIMIT = 60.0
"""Seconds one Code node run may take (all items at once, or one item)."""
MEMORY_HEADROOM = 64 * 1024 * 1024
"""Bytes an evaluation may allocate beyond the data loaded into the sandbox."""
MAX_STACK = 1024 * 1024
_PROGRAMS = 2048
_ZONE_YEARS = (1970, 2070)


class SandboxError(Exception):
    """An evaluation that failed in the sandbox: ``kind`` is the JavaScript error's name."""

    def __init__(self, kind: str, message: str, where: tuple[int, int] | None = None) -> None:
        super().__init__(message)
        self.kind, self.message, self.where = kind, message, where
        """(line, column) of a syntax error in the source compiled."""


def _runtime_source() -> str:
    folder = resources.files(__package__).joinpath("js")
    parts = [folder.joinpath(name).read_text(encoding="utf-8") for name in _FILES]
    exports = ", ".join(f"__kn_{name}: host.{name}" for name in _HOST) + ", __kn_evaluate: run"
    # The functions Python calls are globals; expressions never see globals (with + a proxy).
    return (
        "(function () {\n"
        + "\n".join(parts)
        + f"\nObject.assign(globalThis, {{{exports}}});\n}})()"
    )


_HOST = ("items", "run", "forget", "env", "meta", "zone", "runCode", "codeResult", "tick")


_FILES = ("datetime.js", "extensions.js", "runtime.js")


@lru_cache(maxsize=64)
def zone_table(name: str) -> str | None:
    """A zone's offset changes between 1970 and 2070 as JSON ``{t: [utc s], o: [minutes]}``,
    kept as a copy keyed by the zone file's bytes where that file can be found."""
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
    source = _zone_file(name)
    if source is None:
        return _walk(zone)
    years = "-".join(map(str, _ZONE_YEARS))  # a copy made for other years is not this table
    copy = f"zone-{name.replace('/', '_')}-{years}"
    return str(json_copy(copy, source, lambda: _walk(zone)))


def _zone_file(name: str) -> bytes | None:
    """The TZif bytes zoneinfo reads for a zone: the first of its search path, then tzdata."""
    for root in zoneinfo.TZPATH:
        path = os.path.join(root, name)
        if os.path.isfile(path):
            with open(path, "rb") as fh:
                return fh.read()
    try:
        return resources.files("tzdata.zoneinfo").joinpath(*name.split("/")).read_bytes()
    except (ImportError, OSError, ValueError):
        return None


def _walk(zone: ZoneInfo) -> str:

    def offset(moment: datetime) -> int:
        delta = moment.astimezone(zone).utcoffset() or timedelta(0)
        return int(delta.total_seconds() // 60)

    step = timedelta(days=7)  # no zone changes its offset twice within a week in 1970-2070
    moment = datetime(_ZONE_YEARS[0], 1, 1, tzinfo=UTC)
    stop = datetime(_ZONE_YEARS[1], 1, 1, tzinfo=UTC)
    changes, offsets = [-(2**53)], [offset(moment)]
    while moment < stop:
        following = moment + step
        if offset(following) != offsets[-1]:
            low, high = moment, following  # the change is in (low, high]: find the second
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if offset(middle) == offsets[-1]:
                    low = middle
                else:
                    high = middle
            changes.append(int(high.timestamp()))
            offsets.append(offset(high))
        moment = following
    return json.dumps({"t": changes, "o": offsets})


class Sandbox:
    """A QuickJS context with the runtime loaded; not thread-safe (use ``for_thread()``)."""

    def __init__(self) -> None:
        self.context = quickjs.Context()
        self.context.set_max_stack_size(MAX_STACK)
        self.context.eval(_runtime_source())
        self._host = {name: self.context.get(f"__kn_{name}") for name in _HOST}
        self._run = self.context.get("__kn_evaluate")
        names = ", ".join(f"'__kn_{name}'" for name in (*_HOST, "evaluate"))
        self.context.eval(f"for (const name of [{names}]) delete globalThis[name];")
        self.context.set_time_limit(TIME_LIMIT)
        self.programs: dict[str, Any] = {}
        self.items: Sequence[Any] | None = None
        self.runs: dict[str, Sequence[Any]] = {}
        self.runs_of: Mapping[str, Any] | None = None
        self.env: Mapping[str, str] | None = None
        self.meta: tuple[Any, ...] | None = None
        self.zones: set[str] = set()
        self._limit()

    def _limit(self) -> None:
        used = int(self.context.memory()["memory_used_size"])
        self.context.set_memory_limit(used + MEMORY_HEADROOM)

    def compile(self, source: str) -> Any:
        """A function object for a program's source (cached; SandboxError for a syntax error)."""
        program = self.programs.get(source)
        if program is None:
            if len(self.programs) >= _PROGRAMS:
                self.programs.clear()
            program = self.programs[source] = self._call(self.context.eval, source)
        return program

    def load(
        self,
        items: Sequence[Any],
        runs: Mapping[str, Any] | None,
        env: Mapping[str, str],
        meta: tuple[Any, ...],
    ) -> None:
        """Hand the data an evaluation may read to the sandbox (only what changed)."""
        loaded = False
        if items is not self.items:
            self._call(self._host["items"], json.dumps(list(items), default=str))
            self.items, loaded = items, True
        if runs is not None:
            if runs is not self.runs_of:
                self.forget_runs()
                self.runs_of = runs
            for name, node_run in runs.items():  # NodeRun: .items, .parent, .sources
                run_items = node_run.items
                if self.runs.get(name) is not run_items:
                    payload = {
                        "items": list(run_items),
                        "parent": node_run.parent,
                        "sources": list(node_run.sources),
                    }
                    self._call(self._host["run"], name, json.dumps(payload, default=str))
                    self.runs[name], loaded = run_items, True
        if env is not self.env:
            self._call(self._host["env"], json.dumps(dict(env)))
            self.env = env
        if meta != self.meta:
            now, zone, run_index, workflow_id, workflow_name, execution_id = meta
            self.load_zone(zone)
            state = {
                "now": now,
                "zone": zone,
                "runIndex": run_index,
                "workflow": {"id": workflow_id, "name": workflow_name, "active": False},
                "execution": {"id": execution_id, "mode": "manual"},
            }
            self._call(self._host["meta"], json.dumps(state))
            self.meta = meta
        if loaded:
            self._limit()

    def forget_runs(self) -> None:
        """Drop other nodes' outputs (a new workflow run starts)."""
        self._call(self._host["forget"])
        self.runs = {}

    def run(self, program: Any, index: int, parent: str | None, run_index: int) -> str:
        """Evaluate a compiled program for one item: the value as JSON text ('' = undefined)."""
        for _ in range(8):  # each round may load one more time zone the expression asked for
            try:
                return str(self._call(self._run, program, index, parent, run_index))
            except SandboxError as exc:
                if exc.kind != "NeedZone" or not self.load_zone(exc.message):
                    raise
        raise SandboxError("RangeError", "too many time zones in one expression")

    def run_code(
        self, program: Any, mode: str, index: int, parent: str | None, run_index: int
    ) -> str:
        """Run a Code node's compiled function: JSON ``{"value": …, "logs": [...]}``. Items it
        changed in place are not kept: the next evaluation reloads them."""
        self.context.set_time_limit(CODE_TIME_LIMIT)
        try:
            text = str(self._call(self._host["runCode"], program, mode, index, parent, run_index))
            if text == "":  # async code: let its promise settle (timers fire in turn)
                while True:
                    while self._call(self.context.execute_pending_job):
                        pass
                    if not self._call(self._host["tick"]):
                        break
                text = str(self._call(self._host["codeResult"]))
            return text
        finally:
            self.context.set_time_limit(TIME_LIMIT)
            self.items = None

    def load_zone(self, name: str) -> bool:
        """Hand a zone's table to the sandbox (an unknown zone as null: DateTimes in it are
        invalid)."""
        if name == "UTC" or name in self.zones:
            return False
        table = zone_table(name)
        self._call(
            self._host["zone"], name, None if table is None else self.context.parse_json(table)
        )
        self.zones.add(name)
        return True

    def _call(self, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except quickjs.StackOverflow:
            raise SandboxError("RangeError", "Maximum call stack size exceeded") from None
        except quickjs.JSException as exc:
            text = str(exc)
            kind, _, message = text.split("\n", 1)[0].partition(": ")
            if not message:  # an out-of-memory surfaces as a bare "null"
                kind, message = "InternalError", "out of memory"
            at = re.search(r"<input>:(\d+):(\d+)", text)
            where = (int(at.group(1)), int(at.group(2))) if at else None
            raise SandboxError(kind, message, where) from None


_local = threading.local()


def for_thread() -> Sandbox:
    """This thread's sandbox (QuickJS contexts must stay on the thread that made them)."""
    sandbox: Sandbox | None = getattr(_local, "sandbox", None)
    if sandbox is None:
        sandbox = _local.sandbox = Sandbox()
    return sandbox


def discard() -> None:
    """Drop this thread's sandbox (after an out-of-memory, the next evaluation gets a fresh one)."""
    _local.sandbox = None
