"""Running a workflow: n8n's v1 order (depth first: after a node, each child reached by a
non-empty output goes to the front of the stack, the top one on the canvas first; a node with
several inputs waits for all of them, or for the end), start nodes receive one empty item as
after n8n's manual trigger, and each node runs through its type in the node table."""

from __future__ import annotations

import asyncio
import json
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
from ..expressions import Context, NodeRun
from ..model import Credentials, Item
from ..options import DEFAULT_CONCURRENCY, DEFAULT_GRACE, tries
from . import paths
from .budget import Budget
from .library import Library
from .model import (
    MALFORMED,
    NodeFailed,
    NodeProgress,
    Response,
    RunResult,
    Start,
    Workflow,
    WorkflowError,
    WorkflowNode,
)
from .nodes import TABLE, NodeType, Outputs
from .nodes.base import Results, continues, passed
from .pairing import paired, pairing
from .settling import error_output, failures, items_of, malformed_node, replaced
from .starts import Task, event, starts

TYPE_CHECKING = False
if TYPE_CHECKING:  # aiohttp is imported only when a Keitaro node runs
    from ..core.http import AiohttpTransport
    from ..node import KeitaroNode

MAX_DEPTH = 20
"""Sub-workflows within sub-workflows, at most (a workflow that runs itself stops there)."""
MAX_NODE_RUNS = 100_000
"""Runs of one node in one execution past which a loop is taken for one without a way out."""
_ENDLESS = (
    f"the node ran {MAX_NODE_RUNS:,} times in this execution: a loop without a way out?",
    "n8n would go on until it runs out of memory; give the loop an exit (Loop Over Items' done "
    "output, an If that stops it)",
)
_BULKY = ("items", "processedItems", "source")
"""A loop's kept items: not handed to expressions with its context."""
_UNKEPT = NodeRun(())
"""A run whose items are not kept (only counted)."""


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
        start: Start | None = None,
        mode: str = "manual",
        static_data: dict[str, Any] | None = None,
        on_response: Callable[[Response], None] | None = None,
        http: AiohttpTransport | None = None,
        library: Library | None = None,
        depth: int = 0,
    ) -> None:
        self.workflow = workflow
        self.library = library or Library([workflow.source.parent] if workflow.source else [])
        """Where Execute Workflow nodes find the workflows they call."""
        self.depth = depth
        """How deep in sub-workflows this run is (0: the top)."""
        self.environ = environ
        self._background: list[asyncio.Task[list[Item]]] = []
        self.start = start
        """The trigger that fired and its event; None: a manual run (``manual`` of the first
        trigger, or one empty item for every node without a parent when there is none)."""
        self.mode = mode
        self.static_data = static_data
        self.on_response = on_response
        """Called with the first Respond to Webhook node's response."""
        self.response: Response | None = None
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
        self.history: dict[str, list[NodeRun]] = {}
        """Every run of each node, in order, when the outputs are kept (a loop runs a node
        several times; ``runs`` has its last)."""
        self.keep_history = keep_outputs
        self.contexts: dict[str, dict[str, Any]] = {}
        self._paired_to: dict[str, str | None] = {}
        self.failed = 0
        """Items that failed and were kept (continue-on-fail), counted for every node type."""
        self._http = http
        self._own_http = http is None
        """A transport handed in (a server's, shared by its executions) stays open."""
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
            mode=self.mode,
        )

    async def run(self) -> RunResult:
        """The run, in JavaScript realms of its own (no other run's evaluations touch them)."""
        paths.check(self.workflow, self.allow_paths)
        try:
            with expressions.execution(self.static_data) as realms, pairing():
                realms.code_memory = self.budget.spare()
                if any(TABLE[n.type].runs_code for n in self.workflow.nodes):
                    realms.prepare()
                try:
                    result = await self._run()
                    for task in self._background:  # sub-workflows not waited for: they end too
                        await task
                    return result
                finally:
                    if self.static_data is not None:  # the execution's, however it ended
                        self.static_data.clear()
                        self.static_data.update(realms.static_data)
        except NodeFailed as exc:
            exc.runs = dict(self.runs)  # the nodes that ran before it stopped
            exc.history = dict(self.history)
            raise
        finally:
            if self._http is not None and self._own_http:
                await self._http.close()

    def keitaro(self, rate_limit: float | None, tracker: Credentials | None = None) -> KeitaroNode:
        """A Keitaro node on the run's one session (the run's tracker, or ``tracker``)."""
        from ..node import KeitaroNode

        chosen = tracker or self.credentials
        assert chosen is not None
        return KeitaroNode(
            chosen, transport=self.transport(), rate_limit=rate_limit, grace=self.grace
        )

    def respond(self, response: Response) -> None:
        """A Respond to Webhook node's answer: the first one counts, as in n8n."""
        if self.response is None:
            self.response = response
            if self.on_response is not None:
                self.on_response(response)

    def ancestor_types(self, name: str) -> set[str]:
        return {self.workflow.node(n).type for n in self.workflow.ancestors(name)}

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
        stack: list[Task] = starts(wf, self.start)
        waiting: dict[str, dict[int, tuple[list[Item], str]]] = {}
        order: list[str] = []
        last: list[Item] = []
        while stack or (stack := self._unblocked(waiting)):
            name, inputs, parent, sources = stack.pop(0)
            node = wf.node(name)
            outs = await self.execute(node, inputs, parent)
            self.budget.check(name)
            self._record(node, outs, parent, sources)
            first = outs[next(iter(outs))] if outs else []
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
        return RunResult(last, self.runs, order, self.failed, elapsed, self.warnings, self.history)

    def _record(
        self, node: WorkflowNode, outs: Outputs, parent: str | None, sources: tuple[str | None, ...]
    ) -> None:
        """The node's run, as expressions read it: its first output (a loop's batches when it
        has some), paired with its input's node (or the one it chose), with its context."""
        kind = TABLE[node.type]
        shown = outs.get(kind.read_output or "") or (outs[next(iter(outs))] if outs else [])
        context = self.contexts.get(node.name)
        visible = {k: v for k, v in context.items() if k not in _BULKY} if context else {}
        run = NodeRun(shown, self._paired_to.pop(node.name, parent), sources, visible)
        self.runs[node.name] = run
        runs = self.history.setdefault(node.name, [])
        if len(runs) >= MAX_NODE_RUNS:
            raise NodeFailed(node.name, 0, *_ENDLESS)
        runs.append(run if self.keep_history else _UNKEPT)

    def find_workflow(self, key: str) -> Workflow:
        return self.library.find(key)

    def load_workflow(self, path: Path) -> Workflow:
        return self.library.load(path)

    def workflow_from_json(self, text: str) -> Workflow:
        return self.library.from_json(text)

    async def execute_workflow(
        self, workflow: Workflow, items: list[Item], *, wait: bool = True
    ) -> list[Item]:
        """A sub-workflow from its Execute Workflow Trigger (else its first trigger), on this
        run's tracker, credentials and session; what its last node output."""
        if self.depth >= MAX_DEPTH:
            raise NodeFailed(self.current, 0, f"sub-workflows nested deeper than {MAX_DEPTH}", None)
        starts = [n for n in workflow.nodes if TABLE[n.type].manual and not n.get("disabled")]
        start = next((n for n in starts if n.type == "executeWorkflowTrigger"), None)
        start = start or next(iter(starts), None)
        if start is None:
            message = (
                f"the workflow {workflow.name!r} has no Execute Workflow Trigger, where n8n "
                "starts a workflow that another one runs"
            )
            raise NodeFailed(self.current, 0, message, None)
        child = Runner(
            workflow,
            self.credentials,
            environ=self.environ,
            named=self.named,
            grace=self.grace,
            allow_paths=self.allow_paths,
            start=Start(start.name, items),
            mode="integrated",
            http=self.transport(),
            library=self.library,
            depth=self.depth + 1,
        )
        if not wait:
            self._background.append(asyncio.ensure_future(self._items_of(child)))
            return []
        return await self._items_of(child)

    @staticmethod
    async def _items_of(child: Runner) -> list[Item]:
        result = await child.run()
        last = result.order[-1] if result.order else None
        return list(result.runs[last].items) if last else []

    def node_context(self, name: str) -> dict[str, Any]:
        return self.contexts.setdefault(name, {})

    def pair_to(self, name: str, source: str | None) -> None:
        self._paired_to[name] = source

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
        if kind.manual is not None:
            return event(self.workflow, self.start, node, kind, self)
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
                if attempt == count or continues(node) or not failures(results):
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
            retried = sorted(f.index for f in failures(results) if not f.maybe_applied)
            if not retried:
                break
            await self.sleep(wait)
            again = await kind.retry(node, inputs[0], retried, parent, self)
            results = replaced(results, set(retried), again)
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
            raise malformed_node(node, exc) from None

    def _settled(
        self, node: WorkflowNode, kind: NodeType, results: Results, inputs: list[list[Item]]
    ) -> Outputs:
        """Failures, for every node type alike: a node that stops on a failed item stops the
        run at the first one; one that continues counts them and outputs the items that stand
        for them (with continueErrorOutput, error items go to the ``error`` output)."""
        failed = sorted(failures(results), key=lambda f: f.index)
        if failed and not continues(node):
            first = failed[0].error
            if isinstance(first, NodeFailed):
                raise first
            raise NodeFailed(node.name, failed[0].index, first.message, first.description)
        self.failed += len(failed)
        routed = {id(f.item) for f in failed if f.item is not None} if kind.routes_errors else set()
        outs: Outputs = {name: items_of(entries) for name, entries in results.items()}
        if node.get("onError") == "continueErrorOutput":
            outs = error_output(outs, inputs, routed)
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


_READS_NODES = re.compile(r"\$\(|\$node\b|\$items\b|\$item\(")


def reads_other_nodes(workflow: Workflow) -> bool:
    """Whether any expression or code may read a node's output by name."""
    return any(_READS_NODES.search(json.dumps(dict(n.config))) for n in workflow.nodes)
