"""The JavaScript sandbox that evaluates n8n expressions and Code nodes: QuickJS (quickjs-ng).

A **realm** is one QuickJS context with the runtime in ``js/`` loaded (n8n's data, extension
functions, a Luxon-like DateTime) and hardened: every built-in frozen, no code compiled from
strings, no host access (no files, network, process, imports or Python objects). Each workflow
execution gets realms no other execution has touched (``execution()``); outside one, each
thread has its own. Data crosses as JSON text, on demand (``scope.py``). Each call is bounded
in time (``TIME_LIMIT``; a Code run's whole life, timers and promise jobs included, by
``CODE_TIME_LIMIT``) and the realm in memory (``MEMORY_HEADROOM`` above the data it was
given); a stack overflow stays inside. Code nodes run on the execution's worker thread
(``offload``), so that a signal stops the run while their JavaScript still runs.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import json
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from importlib import resources
from typing import Any, TypeVar

import quickjs

from .scope import Scope, remembered
from .zones import zone_table

TIME_LIMIT = 1.0
"""Seconds one evaluation may run."""
CODE_TIME_LIMIT = 60.0
"""Seconds one Code node run may take (all items at once, or one item), promises included."""
MEMORY_HEADROOM = 64 * 1024 * 1024
"""Bytes an evaluation may allocate beyond the data given to the sandbox."""
_LARGE = 1 << 20
"""Data from this size up makes room for itself first (QuickJS holds it in about 6× its
JSON size)."""
_GROWTH = 6
MAX_STACK = 1024 * 1024
_THREAD_STACK = 8 * 1024 * 1024
_PROGRAMS = 2048
_ROUNDS = 8
EACH_MODES = frozenset({"runOnceForEachItem", "functionItem"})
"""Code modes that run once per item (the Code node's, the Function Item node's)."""
_LEFTOVER_JOBS = 10_000
"""Promise jobs a finished Code run may leave behind before its realm is thrown away."""

T = TypeVar("T")


class SandboxError(Exception):
    """An evaluation that failed in the sandbox: ``kind`` is the JavaScript error's name."""

    def __init__(self, kind: str, message: str, where: tuple[int, int] | None = None) -> None:
        super().__init__(message)
        self.kind, self.message, self.where = kind, message, where
        """(line, column) of a syntax error in the source compiled."""


_HOST = (
    "env", "meta", "zone", "runCode", "codeResult", "settled", "tick", "drop", "harden",
    "staticSet", "staticGet",
)  # fmt: skip
_FILES = ("datetime.js", "extensions.js", "runtime.js")


@functools.cache
def _runtime_source() -> str:
    folder = resources.files(__package__).joinpath("js")
    parts = [folder.joinpath(name).read_text(encoding="utf-8") for name in _FILES]
    exports = ", ".join(f"__kn_{name}: host.{name}" for name in _HOST) + ", __kn_evaluate: run"
    # The functions Python calls are globals until Python has them; then they are deleted.
    return (
        "(function () {\n"
        + "\n".join(parts)
        + f"\nObject.assign(globalThis, {{{exports}}});\n}})()"
    )


_stop = threading.Event()


def interrupt(on: bool = True) -> None:
    """After a signal: every evaluation from now on raises CancelledError (the CLI's Ctrl-C and
    SIGTERM; ``interrupt(False)`` clears it)."""
    if on:
        _stop.set()
    else:
        _stop.clear()


class Realm:
    """A hardened QuickJS context with the runtime loaded, and the data it reads (``scope``).
    Not thread-safe: a realm stays on the thread that made it."""

    def __init__(self) -> None:
        self.thread = threading.get_ident()
        self.scope = Scope(self._make_room)
        self.context = quickjs.Context()
        self.context.set_max_stack_size(MAX_STACK)
        self.context.eval(_runtime_source())
        self._host = {name: self.context.get(f"__kn_{name}") for name in _HOST}
        self._run = self.context.get("__kn_evaluate")
        names = ", ".join(f"'__kn_{name}'" for name in (*_HOST, "evaluate"))
        self.context.eval(f"for (const name of [{names}]) delete globalThis[name];")
        self._host["harden"]()
        self.context.set_time_limit(TIME_LIMIT)
        self.programs: dict[str, Any] = {}
        self.needs: dict[str, set[str]] = {}
        """For each program, the data it asked for beyond the current item (scope.py)."""
        self.env: Mapping[str, str] | None = None
        self.meta: tuple[Any, ...] | None = None
        self.zones: set[str] = set()
        self.code_memory = 0
        """Bytes a Code run may allocate beyond the headroom (the run's memory budget)."""
        self._allowance = 0
        """What the running call may allocate beyond the headroom (code_memory in a Code run)."""
        self.spoiled = False
        """A Code run left more behind than can be discarded: the realm is not used again."""
        self.owner: Execution | None = None
        """The execution the realm belongs to (its static data)."""
        self.static_version = -1
        self._limit()

    def _limit(self, extra: int = 0) -> None:
        used = int(self.context.memory()["memory_used_size"])
        self.context.set_memory_limit(used + MEMORY_HEADROOM + self._allowance + extra)

    def _make_room(self, size: int) -> None:
        if size >= _LARGE:
            self._limit(_GROWTH * size)

    def compile(self, source: str) -> Any:
        """A function object for a program's source (cached; SandboxError for a syntax error)."""
        program = self.programs.get(source)
        if program is None:
            if len(self.programs) >= _PROGRAMS:
                self.programs.clear()
                self.needs.clear()
            program = self.programs[source] = _js(self.context.eval, source)
        return program

    def load(
        self,
        items: Sequence[Any],
        runs: Mapping[str, Any],
        parent: str | None,
        env: Mapping[str, str],
        meta: tuple[Any, ...],
    ) -> None:
        """Point the realm at the data the next evaluations may read."""
        if _stop.is_set():
            raise asyncio.CancelledError
        if env is not self.env:
            _js(self._host["env"], json.dumps(dict(env)))
            self.env = env
        if meta != self.meta:
            (
                now,
                zone,
                run_index,
                workflow_id,
                workflow_name,
                execution_id,
                node,
                mode,
                variables,
            ) = meta
            self.load_zone(zone)
            state = {
                "now": now,
                "zone": zone,
                "runIndex": run_index,
                "workflow": {"id": workflow_id, "name": workflow_name, "active": mode != "manual"},
                "execution": {"id": execution_id, "mode": mode},
                "node": node,
            }
            text = json.dumps(state)
            if variables:  # already JSON: spliced in, not parsed and dumped again
                text = f'{text[:-1]}, "vars": {variables}}}'
            _js(self._host["meta"], text)
            self.meta = meta
        owner = self.owner
        if owner is not None and owner.static_version != self.static_version:
            _js(self._host["staticSet"], owner.static_text)
            self.static_version = owner.static_version
        self.scope.bind(items, runs, parent)

    def keep_static(self) -> None:
        """After a program that asked for the static data: the execution keeps what it is now."""
        text = _js(self._host["staticGet"])
        if text and self.owner is not None:
            self.owner.static_text = text
            self.owner.static_version += 1
            self.static_version = self.owner.static_version

    def run(self, source: str, index: int, parent: str | None, run_index: int) -> str:
        """Evaluate a program for one item: the value as JSON text ('' = undefined)."""
        program = self.compile(source)
        return self._rounds(
            source,
            index,
            lambda *data: _js(
                self._run, program, self.scope.generation, index, parent, run_index, *data
            ),
        )

    def _rounds(
        self, source: str, index: int, call: Callable[..., Any], *, fresh: bool = False
    ) -> str:
        """Run ``call`` with the data the program needs, again while it asks for more (data,
        or one more time zone); ``fresh``: each round gets new copies (code changes them)."""
        needs = self.needs.setdefault(source, set())
        count = len(self.scope.items)
        for _ in range(_ROUNDS):
            if fresh:
                self.scope.renew()
            data = self.scope.data_for(needs, index) if needs else ""
            try:
                text = str(call(count, *self.scope.window(index), data))
            except SandboxError as exc:
                if exc.kind != "NeedZone" or not self.load_zone(exc.message):
                    raise
                continue
            if not text.startswith("\1"):
                return text
            needs.update(remembered(json.loads(text[1:]), index))
        raise SandboxError("RangeError", "the code asked for data too many times")

    def run_code(
        self, source: str, mode: str, index: int, parent: str | None, run_index: int
    ) -> str:
        """Run a Code node's compiled function: JSON ``{"value": …, "logs": [...]}``. One
        deadline covers the run, its promise jobs and its timers; what it leaves behind is
        discarded. A run over all items gets fresh copies of them (what it changed in place is
        not kept) and the run's spare memory; a run per item (``EACH_MODES``) reads its item from
        the node's window, as expressions do, within the usual headroom."""
        deadline = time.monotonic() + CODE_TIME_LIMIT
        program, tick = self.compile(source), self._host["tick"]
        whole = mode not in EACH_MODES
        if not whole and index == 0:
            self.scope.renew()  # a first item (a node, or its retry): no copy it changed is reused
        if whole:
            self.needs.setdefault(source, {"I"})  # code over all items mostly reads them all
            if self.code_memory:
                self._allowance = self.code_memory
                self._limit()

        def once(*data: Any) -> str:
            args = (program, mode, self.scope.generation, index, parent, run_index, *data)
            text = str(self._until(deadline, self._host["runCode"], *args))
            if text == "":  # async code: run its jobs, then timers in turn, until it settles
                settled, job = self._host["settled"], self.context.execute_pending_job
                while not _js(settled):
                    if not self._until(deadline, job) and not self._until(deadline, tick):
                        break
                text = str(_js(self._host["codeResult"]))
            return text

        try:
            return self._rounds(source, index, once, fresh=whole)
        finally:
            self._discard_leftovers()
            self.context.set_time_limit(TIME_LIMIT)
            if whole:
                self.scope.renew()
            if self._allowance:
                self._allowance = 0
                self.context.gc()
                self._limit()
                _give_back()

    def _until(self, deadline: float, fn: Any, *args: Any) -> Any:
        left = deadline - time.monotonic()
        if left <= 0 or _stop.is_set():
            raise SandboxError("InternalError", "interrupted")
        self.context.set_time_limit(left)
        return _js(fn, *args)

    def _discard_leftovers(self) -> None:
        """Timers are dropped; promise jobs still queued run out here, briefly, or the realm is
        spoiled (the next evaluation gets a fresh one)."""
        try:
            _js(self._host["drop"])
            self.context.set_time_limit(0.1)
            for _ in range(_LEFTOVER_JOBS):
                if not _js(self.context.execute_pending_job):
                    return
        except SandboxError:
            pass
        self.spoiled = True

    def load_zone(self, name: str) -> bool:
        """Hand a zone's table to the sandbox (an unknown zone as null: DateTimes in it are
        invalid)."""
        if name == "UTC" or name in self.zones:
            return False
        table = zone_table(name)
        _js(self._host["zone"], name, None if table is None else self.context.parse_json(table))
        self.zones.add(name)
        return True


def _js(fn: Any, *args: Any) -> Any:
    """Call into QuickJS; its failures as SandboxError."""
    try:
        return fn(*args)
    except quickjs.StackOverflow:
        raise SandboxError("RangeError", "Maximum call stack size exceeded") from None
    except quickjs.JSException as exc:
        text = str(exc)
        kind, _, message = text.split("\n", 1)[0].partition(": ")
        if not message:  # an out-of-memory surfaces as a bare "null"
            kind, message = "InternalError", "out of memory"
        # the first frame of the code run, past the runtime's own throwers (named __…)
        at = re.search(r"at (?!__)[^\n]*?<input>:(\d+):(\d+)", text)
        where = (int(at.group(1)), int(at.group(2))) if at else None
        raise SandboxError(kind, message, where) from None


def parse(source: str) -> None:
    """Compile ``source`` without running it, in a bare context (no runtime, no data): a
    SyntaxError as SandboxError. For checks before any run, at a fraction of a realm's cost."""
    parser: quickjs.Context | None = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = quickjs.Context()
    _js(parser.eval, source)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        import ctypes

        trim: Callable[[int], int] = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


def _give_back() -> None:
    """Return the C heap QuickJS freed to the system (glibc keeps it otherwise: a Code node
    that made a million items would hold their memory for the rest of the run)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


class Execution:
    """The realms of one workflow execution (one per thread it evaluates on, made when first
    needed) and its worker thread for Code nodes."""

    def __init__(self, static_data: Mapping[str, Any] | None = None) -> None:
        self._realms: dict[int, Realm] = {}
        self._worker: ThreadPoolExecutor | None = None
        self.code_memory = 0
        """Bytes a Code run may allocate past the headroom (set from the run's budget)."""
        self.static_text = json.dumps(dict(static_data or {}))
        """$getWorkflowStaticData's data as JSON: {"global": …, "node:Name": …}, as n8n's."""
        self.static_version = 0

    @property
    def static_data(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.static_text)
        return data

    def realm(self) -> Realm:
        thread = threading.get_ident()
        realm = self._realms.get(thread)
        if realm is None or realm.spoiled:
            realm = self._realms[thread] = Realm()
            realm.owner = self
        realm.code_memory = self.code_memory
        return realm

    def discard(self) -> None:
        """Drop this thread's realm (after an out-of-memory, the next evaluation gets a new one)."""
        self._realms.pop(threading.get_ident(), None)

    def worker(self) -> ThreadPoolExecutor:
        if self._worker is None:
            old = threading.stack_size()
            threading.stack_size(_THREAD_STACK)  # QuickJS's stack limit needs room below it
            try:
                self._worker = ThreadPoolExecutor(1, thread_name_prefix="keitaro-node-code")
                self._worker.submit(int).result()  # the thread starts now, with that stack
            finally:
                threading.stack_size(old)
        return self._worker

    def prepare(self) -> None:
        """Start making the worker thread's realm now, beside whatever the run does first (the
        run has Code nodes: their first one need not wait for it)."""
        self.worker().submit(self.realm)

    def close(self) -> None:
        """The execution ended: its realms go; JavaScript still running on the worker (a run
        cancelled by a signal) ends at its time limit, its result unused."""
        self._realms.clear()
        if self._worker is not None:
            self._worker.shutdown(wait=False, cancel_futures=True)
            self._worker = None


_execution: contextvars.ContextVar[Execution | None] = contextvars.ContextVar(
    "keitaro_node_execution", default=None
)
_local = threading.local()


@contextmanager
def execution(static_data: Mapping[str, Any] | None = None) -> Iterator[Execution]:
    """Evaluations inside get realms of their own, dropped at the end (``static_data``: what
    $getWorkflowStaticData starts from; the execution's ``static_data`` is what it ends with)."""
    current = Execution(static_data)
    token = _execution.set(current)
    try:
        yield current
    finally:
        _execution.reset(token)
        current.close()


def _current() -> Execution:
    """The execution evaluations here belong to: the one running, else this thread's own."""
    current = _execution.get()
    if current is None:
        current = getattr(_local, "execution", None)
        if current is None:
            current = _local.execution = Execution()
    return current


def realm() -> Realm:
    """The realm for an evaluation here: the execution's, else this thread's own."""
    return _current().realm()


def discard() -> None:
    """Drop the realm ``realm()`` gives (after an out-of-memory, the next one is fresh)."""
    _current().discard()


async def offload(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call ``fn`` on the execution's worker thread (inside an execution), so that the event
    loop, and a signal, are not held up while its JavaScript runs; here, outside one."""
    current = _execution.get()
    if current is None:
        return fn(*args, **kwargs)
    context = contextvars.copy_context()
    call = functools.partial(context.run, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(current.worker(), call)
