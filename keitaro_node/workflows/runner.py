"""Running a workflow: n8n's v1 order (depth first: after a node, each child reached by a
non-empty output goes to the front of the stack, the top one on the canvas first; a node with
several inputs waits for all of them, or for the end), start nodes receive one empty item as
after n8n's manual trigger, and each node runs through its type in the node table."""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .. import credentials as sources
from .. import expressions
from ..errors import InputError
from ..expressions import Context, NodeRun
from ..model import Credentials, Item
from ..options import DEFAULT_CONCURRENCY, DEFAULT_GRACE, tries
from ..outcomes import Failure
from . import paths
from .budget import Budget
from .conditions import ConditionError
from .model import (
    MALFORMED,
    NodeFailed,
    NodeProgress,
    RunResult,
    Workflow,
    WorkflowError,
    WorkflowNode,
    malformed,
)
from .nodes import TABLE, NodeType, Outputs
from .nodes.base import Results, continues, passed
from .pairing import paired, pairing
from .values import ConversionError

TYPE_CHECKING = False
if TYPE_CHECKING:  # aiohttp is imported only when a Keitaro node runs
    from ..core.http import AiohttpTransport
    from ..node import KeitaroNode

Task = tuple[str, list[list[Item]], str | None, tuple[str | None, ...]]
"""A node ready to run: its name, its inputs, the node its (first) input came from, and the
node each input came from (for a node with several)."""


class Runner:
    """Runs one workflow against one tracker (``credentials`` None when no node needs it)."""

    def __init__(
        self,
        workflow: Workflow,
        credentials: Credentials | None,
        *,
        environ: Mapping[str, str],
        named: sources.Named | None = None,
        on_progress: NodeProgress | None = None,
        sleep: Callable[[float], Any] = asyncio.sleep,
        grace: float = DEFAULT_GRACE,
        resume: bool = False,
        pinned: bool = False,
        allow_paths: Sequence[Path] = (),
        max_memory: int | None = None,
        keep_outputs: bool = True,
    ) -> None:
        self.workflow = workflow
        self.budget = Budget(max_memory)
        self.release = not keep_outputs and not reads_other_nodes(workflow)
        """Drop a node's output once its children have run (nothing reads it by name)."""
        self.allow_paths = tuple(allow_paths)
        """Folders outside the workflow's own that its files may be in."""
        self.pinned = pinned
        """Nodes with pinned data output it instead of running."""
        self.credentials = credentials
        self.current = ""  # the node running now
        self.named = named or {}
        """Credentials nodes pick by n8n type and name."""
        self.grace = grace
        self.resume = resume
        """Continue interrupted streamTo exports from their checkpoints."""
        self.env = {name: environ[name] for name in workflow.env if name in environ}
        self.on_progress = on_progress
        self.runs: dict[str, NodeRun] = {}
        self.failed = 0
        """Items that failed and were kept (continue-on-fail), counted for every node type."""
        self._http: AiohttpTransport | None = None
        self.warnings: list[str] = list(workflow.warnings)
        self._sleep = sleep
        self.source = workflow.source
        self.timezone = workflow.timezone or expressions.default_timezone()
        try:
            self.now = datetime.now(ZoneInfo(self.timezone))
        except (ZoneInfoNotFoundError, ValueError):
            raise WorkflowError(
                f"{workflow.source}: settings.timezone: unknown time zone {self.timezone!r}"
            ) from None
        self.execution_id = uuid.uuid4().hex

    def context(self, items: Sequence[Item], index: int, parent: str | None) -> Context:
        return Context(
            items=items,
            index=index,
            parent=parent,
            runs=self.runs,
            env=self.env,
            now=self.now,
            timezone=self.timezone,
            workflow_name=self.workflow.name,
            execution_id=self.execution_id,
            node=self.current,
        )

    async def run(self) -> RunResult:
        """The run, in JavaScript realms of its own (no other run's evaluations touch them)."""
        paths.check(self.workflow, self.allow_paths)
        try:
            with expressions.execution() as realms, pairing():
                realms.code_memory = self.budget.spare()
                if any(TABLE[n.type].runs_code for n in self.workflow.nodes):
                    realms.prepare()
                return await self._run()
        except NodeFailed as exc:
            exc.runs = dict(self.runs)  # the nodes that ran before it stopped
            raise
        finally:
            if self._http is not None:
                await self._http.close()

    def keitaro(self, rate_limit: float | None, tracker: Credentials | None = None) -> KeitaroNode:
        """A Keitaro node on the run's one session (the run's tracker, or ``tracker``)."""
        from ..node import KeitaroNode

        chosen = tracker or self.credentials
        assert chosen is not None
        return KeitaroNode(
            chosen, transport=self.transport(), rate_limit=rate_limit, grace=self.grace
        )

    def credential(self, kind: str, name: str | None) -> Mapping[str, str]:
        return sources.pick(self.named, kind, name)

    def transport(self) -> AiohttpTransport:
        """The run's one HTTP session, opened by the first request (limit: the widest node)."""
        from ..core.http import AiohttpTransport

        if self._http is None:
            widest = max(
                (n.get("concurrency", DEFAULT_CONCURRENCY) for n in self.workflow.nodes),
                default=DEFAULT_CONCURRENCY,
            )
            self._http = AiohttpTransport(concurrency=widest)
        return self._http

    async def _run(self) -> RunResult:
        started = time.perf_counter()
        wf = self.workflow
        stack: list[Task] = [
            (n.name, [[{"json": {}}]], None, ())
            for n in sorted(wf.nodes, key=lambda n: wf.place(n.name))
            if not wf.parents(n.name)
        ]
        waiting: dict[str, dict[int, tuple[list[Item], str]]] = {}
        order: list[str] = []
        last: list[Item] = []
        while stack or (stack := self._unblocked(waiting)):
            name, inputs, parent, sources = stack.pop(0)
            node = wf.node(name)
            outs = await self.execute(node, inputs, parent)
            self.budget.check(name)
            first = outs[next(iter(outs))] if outs else []
            self.runs[name] = NodeRun(first, parent, sources)
            order.append(name)
            if self.release:
                self._release(name)
            children: list[Task] = []
            for kind in wf.connections.get(name, {}):
                for target, slot in wf.targets(name, kind):
                    if not outs.get(kind):  # n8n passes no empty output on
                        continue
                    if wf.slots(target) == 1:
                        children.append((target, [outs[kind]], name, ()))
                        continue
                    got = waiting.setdefault(target, {})
                    got[slot] = (outs[kind], name)
                    if len(got) == wf.slots(target):
                        children.append(self._joined(target, waiting.pop(target)))
            if not wf.connections.get(name):
                last += first
            stack[0:0] = sorted(children, key=lambda task: wf.place(task[0]))
        elapsed = time.perf_counter() - started
        return RunResult(last, self.runs, order, self.failed, elapsed, self.warnings)

    def _release(self, name: str) -> None:
        """The outputs of the node's parents whose children have all run, dropped (the run's
        result keeps only the last nodes' items)."""
        wf = self.workflow
        for parent in wf.parents(name):
            children = {t for targets in wf.connections.get(parent, {}).values() for t in targets}
            if children <= self.runs.keys():
                run = self.runs[parent]
                self.runs[parent] = NodeRun((), run.parent, run.sources)

    def _unblocked(self, waiting: dict[str, dict[int, tuple[list[Item], str]]]) -> list[Task]:
        """When nothing else can run, n8n runs each node still waiting for an input that will
        not come, with the inputs it has: if it has those it requires (Choose Branch: all) and
        none of its ancestors is waiting too."""
        ready = []
        blocked = set(waiting)
        for name, got in list(waiting.items()):
            node = self.workflow.node(name)
            required = TABLE[node.type].required_inputs(node.config)
            if not set(required) <= got.keys() or self.workflow.ancestors(name) & blocked:
                continue
            ready.append(self._joined(name, waiting.pop(name)))
        return ready

    def _joined(self, name: str, got: dict[int, tuple[list[Item], str]]) -> Task:
        """A node with several inputs, ready: its inputs in order (missing ones empty)."""
        node = self.workflow.node(name)
        count = max(TABLE[node.type].input_count(node.config), self.workflow.slots(name))
        inputs = [got[i][0] if i in got else [] for i in range(count)]
        sources = tuple(got[i][1] if i in got else None for i in range(count))
        return name, inputs, next(s for s in sources if s is not None), sources

    async def execute(
        self, node: WorkflowNode, inputs: list[list[Item]], parent: str | None
    ) -> Outputs:
        """One node's outputs: its type's results settled (failures become n8n's error items
        or stop the run), with n8n's node settings applied."""
        kind = TABLE[node.type]
        self.current = node.name
        self.now = datetime.now(self.now.tzinfo)  # $now: the time the node runs, as in n8n
        if self.pinned and node.name in self.workflow.pin_data:
            pins = self.workflow.pin_data[node.name]
            return {kind.outputs(node.config)[0]: [{"json": i["json"]} for i in pins]}
        if node.get("disabled"):
            return {"main": inputs[0] if inputs else []}
        if node.get("executeOnce"):
            inputs = [i[:1] for i in inputs]
        try:
            results = await self._tries(node, kind, inputs, parent)
            outs = self._settled(node, kind, results, inputs)
        except NodeFailed as exc:
            if not continues(node):
                raise
            # n8n: a node that fails as a whole while it may continue passes its input on
            self.warn(node.name, f"{exc.reason} (onError: the node's input is passed on)")
            self.failed += 1
            first_input = inputs[0] if inputs else []
            outs = {kind.outputs(node.config)[0]: passed(first_input)}
        if node.get("alwaysOutputData") and not any(outs.values()):
            first = next(iter(outs), "main")
            outs = {**outs, first: [{"json": {}, "pairedItem": paired(0)}]}
        return outs

    async def _tries(
        self, node: WorkflowNode, kind: NodeType, inputs: list[list[Item]], parent: str | None
    ) -> Results:
        """The node's results after n8n's retryOnFail: a node type that retries item by item
        runs again for its failed items; any other runs again whole when it stopped, as n8n
        does (a node that continues on fail does not stop, so it is not run again)."""
        count, wait = tries(node.config)
        if kind.retry is not None:
            return await self._item_tries(node, kind, inputs, parent, count, wait)
        for attempt in range(1, count + 1):
            try:
                results = await self._once(node, kind, inputs, parent)
            except NodeFailed:
                if attempt == count:
                    raise
            else:
                if attempt == count or continues(node) or not _failures(results):
                    return results
            await self.sleep(wait)
        raise AssertionError("unreachable: the last try returns or raises")

    async def _item_tries(
        self,
        node: WorkflowNode,
        kind: NodeType,
        inputs: list[list[Item]],
        parent: str | None,
        count: int,
        wait: float,
    ) -> Results:
        """Failed items run again, never one that may have been applied (sending it again
        could apply it twice: it keeps its "may have been applied" failure)."""
        assert kind.retry is not None
        results = await self._once(node, kind, inputs, parent)
        for _ in range(count - 1):
            retried = sorted(f.index for f in _failures(results) if not f.maybe_applied)
            if not retried:
                break
            await self.sleep(wait)
            again = await kind.retry(node, inputs[0], retried, parent, self)
            results = _replaced(results, set(retried), again)
        return results

    async def _once(
        self, node: WorkflowNode, kind: NodeType, inputs: list[list[Item]], parent: str | None
    ) -> Results:
        try:
            if kind.run_inputs is not None:
                return await kind.run_inputs(node, inputs, parent, self)
            return await kind.run(node, inputs[0], parent, self)
        except expressions.ExpressionError as exc:  # n8n: the node fails with the message
            raise NodeFailed(node.name, 0, exc.reason, exc.message) from None
        except MALFORMED as exc:
            raise _malformed(node, exc) from None

    def _settled(
        self, node: WorkflowNode, kind: NodeType, results: Results, inputs: list[list[Item]]
    ) -> Outputs:
        """Failures, for every node type alike: a node that stops on a failed item stops the
        run at the first one; one that continues counts them and outputs the items that stand
        for them (with continueErrorOutput, error items go to the ``error`` output)."""
        failed = sorted(_failures(results), key=lambda f: f.index)
        if failed and not continues(node):
            first = failed[0].error
            if isinstance(first, NodeFailed):
                raise first
            raise NodeFailed(node.name, failed[0].index, first.message, first.description)
        self.failed += len(failed)
        routed = {id(f.item) for f in failed if f.item is not None} if kind.routes_errors else set()
        outs: Outputs = {name: _items(entries) for name, entries in results.items()}
        if node.get("onError") == "continueErrorOutput":
            outs = _error_output(outs, inputs, routed)
        return outs

    def path(self, value: str) -> Path:
        """A path written in the workflow, inside its folder or an allowed one (paths.py)."""
        return paths.confined(self.workflow, "", value, self.allow_paths)

    def progress(self, node: str) -> Callable[[int, int], None]:
        def report(done: int, total: int) -> None:
            if self.on_progress:
                self.on_progress(node, done, total)

        return report

    async def sleep(self, seconds: float) -> None:
        await self._sleep(seconds)

    def warn(self, node: str, message: str) -> None:
        self.warnings.append(f"{node}: {message}")


def _malformed(node: WorkflowNode, exc: Exception) -> NodeFailed:
    """A node whose parameters are not of the shapes its type reads (a hand-edited export, a
    version that writes them otherwise) fails with what went wrong, not with a traceback."""
    if isinstance(exc, ConditionError | ConversionError):  # n8n's own messages
        return NodeFailed(node.name, 0, str(exc), None)
    return NodeFailed(
        node.name, 0, malformed(exc), "compare them with what n8n writes for this node and version"
    )


def _failures(results: Results) -> list[Failure]:
    return [entry for out in results.values() for entry in out if isinstance(entry, Failure)]


def _items(entries: Sequence[Item | Failure]) -> list[Item]:
    """The n8n items of one output: each failure as the item that stands for it, if any."""
    out: list[Item] = []
    for entry in entries:
        if not isinstance(entry, Failure):
            out.append(entry)
        elif entry.item is not None:
            out.append(entry.item)
    return out


def _replaced(results: Results, retried: set[int], again: Results) -> Results:
    """``results`` with the entries of the retried input items replaced by the new ones."""
    merged: dict[str, list[Item | Failure]] = {}
    for name in dict.fromkeys([*results, *again]):
        kept = [e for e in results.get(name, ()) if _index(e) not in retried]
        merged[name] = sorted([*kept, *again.get(name, ())], key=_index)
    return merged


def _index(entry: Item | Failure) -> int:
    if isinstance(entry, Failure):
        return entry.index
    paired = entry.get("pairedItem")
    return paired.get("item", 0) if isinstance(paired, dict) else 0


def _error_output(outs: Outputs, inputs: list[list[Item]], failed: set[int]) -> Outputs:
    """n8n's handleNodeErrorOutput: items of n8n's error shape (``json`` is just ``error``, or
    ``error`` and ``message``) move to the error output, each with the fields of the input item
    it stands for; so do the error items of a node type that routes its own (``failed``: their
    ids)."""
    routed: Outputs = {}
    errors: list[Item] = []
    for name, items in outs.items():
        routed[name] = []
        for item in items:
            data = item["json"]
            shape = set(data) == {"error"} or (
                set(data) == {"error", "message"} and data["message"]
            )
            if id(item) not in failed and not (data.get("error") and shape):
                routed[name].append(item)
                continue
            paired = item.get("pairedItem")
            link = paired[0] if isinstance(paired, list) and paired else paired
            source = None
            if isinstance(link, dict):
                items_in = (
                    inputs[link.get("input", 0)] if link.get("input", 0) < len(inputs) else []
                )
                index = link.get("item", 0)
                source = items_in[index] if index < len(items_in) else None
            merged = {**source["json"], **data} if source else data
            errors.append({**item, "json": merged})
    return {**routed, "error": errors}


async def run_workflow(
    workflow: Workflow,
    *,
    credentials: Credentials | None = None,
    environ: Mapping[str, str] | None = None,
    on_progress: NodeProgress | None = None,
    env_files: Sequence[str | Path] = (),
    grace: float = DEFAULT_GRACE,
    resume: bool = False,
    pinned: bool = False,
    allow_paths: Sequence[str | Path] = (),
    max_memory: int | None = None,
    keep_outputs: bool = True,
    named_credentials: sources.Named | None = None,
) -> RunResult:
    """Run a workflow: against ``credentials``, or those the workflow names (domain and apiKey,
    ``${VAR}`` from ``environ``), or KEITARO_DOMAIN/KEITARO_API_KEY in ``environ``.

    A workflow on the embedded emulator runs with ``keitaro_node.embedded.run_workflow``, which
    starts it. ``env_files``: the .env files that ``environ`` was read from, named when
    credentials lack; ``grace``: seconds the requests in flight get to finish when the run is
    stopped; ``resume``: continue interrupted ``streamTo`` exports from their checkpoints;
    ``pinned``: nodes with pinned data (an n8n export's pinData) output it instead of running,
    as in n8n's manual runs; ``allow_paths``: folders outside the workflow's own that its
    files may be in (paths.py); ``max_memory``: the run's memory budget in MB (budget.py);
    ``keep_outputs=False``: ``RunResult.runs`` may lose the items of nodes that are not last,
    once nothing can read them (large batches in bounded memory); ``named_credentials``: the
    credentials nodes pick by n8n type and name (default: those of the workflow's credentials
    spec, such as a credentials file's, ``${VAR}`` from ``environ``).
    """
    env = dict(os.environ if environ is None else environ)
    if credentials is None and needs_tracker(workflow, pinned):
        source = str(workflow.source or "<workflow>")
        try:
            credentials = sources.resolve(workflow.credentials, env, source, env_files)
        except InputError as exc:
            if "keitaroApi" not in (workflow.credentials or {}):  # else trackers by name
                raise WorkflowError(exc.message) from None
    if named_credentials is None:
        source = str(workflow.source or "<workflow>")
        try:
            named_credentials = sources.named(workflow.credentials, env, source)
        except InputError as exc:
            raise WorkflowError(exc.message) from None
    runner = Runner(
        workflow,
        credentials,
        named=named_credentials,
        environ=env,
        on_progress=on_progress,
        grace=grace,
        resume=resume,
        pinned=pinned,
        allow_paths=[Path(p) for p in allow_paths],
        max_memory=max_memory,
        keep_outputs=keep_outputs,
    )
    return await runner.run()


_READS_NODES = re.compile(r"\$\(|\$node\b|\$items\b|\$item\(")


def reads_other_nodes(workflow: Workflow) -> bool:
    """Whether any expression or code may read a node's output by name."""
    return any(_READS_NODES.search(json.dumps(dict(n.config))) for n in workflow.nodes)


def needs_tracker(workflow: Workflow, pinned: bool = False) -> bool:
    """Whether a run sends anything to a tracker (a pinned node sends nothing)."""
    return any(
        n.type == "keitaro" and not (pinned and n.name in workflow.pin_data) for n in workflow.nodes
    )
