"""Running a workflow: n8n's v1 order (depth first: after a node, each child reached by a
non-empty output goes to the front of the stack, the top one on the canvas first; a node with
several inputs waits for all of them, or for the end), start nodes receive one empty item as
after n8n's manual trigger, and each node runs through its type in the node table."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .. import expressions
from ..executor import DEFAULT_GRACE
from ..expressions import Context, NodeRun
from ..model import Credentials, Item
from .conditions import ConditionError
from .document import resolve_credentials
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
from .nodes import TABLE, Outputs
from .nodes.base import continues, passed
from .values import ConversionError

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
        on_progress: NodeProgress | None = None,
        sleep: Callable[[float], Any] = asyncio.sleep,
        grace: float = DEFAULT_GRACE,
        resume: bool = False,
        pinned: bool = False,
    ) -> None:
        self.workflow = workflow
        self.pinned = pinned
        """Nodes with pinned data output it instead of running."""
        self.credentials = credentials
        self.grace = grace
        self.resume = resume
        """Continue interrupted streamTo exports from their checkpoints."""
        self.env = {name: environ[name] for name in workflow.env if name in environ}
        self.on_progress = on_progress
        self.runs: dict[str, NodeRun] = {}
        self.failed = 0
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
        )

    async def run(self) -> RunResult:
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
            first = outs[next(iter(outs))] if outs else []
            self.runs[name] = NodeRun(first, parent, sources)
            order.append(name)
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
        kind = TABLE[node.type]
        self.now = datetime.now(self.now.tzinfo)  # $now: the time the node runs, as in n8n
        if self.pinned and node.name in self.workflow.pin_data:
            pins = self.workflow.pin_data[node.name]
            return {kind.outputs(node.config)[0]: [{"json": i["json"]} for i in pins]}
        if node.get("disabled"):
            return {"main": inputs[0] if inputs else []}
        if node.get("executeOnce"):
            inputs = [i[:1] for i in inputs]
        try:
            try:
                if kind.run_inputs is not None:
                    outs = await kind.run_inputs(node, inputs, parent, self)
                else:
                    outs = await kind.run(node, inputs[0], parent, self)
            except MALFORMED as exc:
                raise _malformed(node, exc) from None
        except NodeFailed as exc:
            if not continues(node):
                raise
            # n8n: a node that fails as a whole while it may continue passes its input on
            self.warn(node.name, f"{exc.reason} (onError: the node's input is passed on)")
            first_input = inputs[0] if inputs else []
            outs = {kind.outputs(node.config)[0]: passed(first_input)}
        else:
            if node.get("onError") == "continueErrorOutput" and "error" not in outs:
                outs = _error_output(outs, inputs)
        if node.get("alwaysOutputData") and not any(outs.values()):
            first = next(iter(outs), "main")
            outs = {**outs, first: [{"json": {}, "pairedItem": {"item": 0}}]}
        return outs

    def path(self, value: str) -> Path:
        """A path written in the workflow: relative ones start at the workflow file's folder
        (the current directory for a workflow given as text)."""
        base = self.workflow.source.parent if self.workflow.source else Path.cwd()
        return base / value

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


def _error_output(outs: Outputs, inputs: list[list[Item]]) -> Outputs:
    """n8n's handleNodeErrorOutput: the error items a node made under continueOnFail (``json``
    is just ``error``, or ``error`` and ``message``) move to the error output, each with the
    fields of the input item it stands for."""
    routed: Outputs = {}
    errors: list[Item] = []
    for name, items in outs.items():
        routed[name] = []
        for item in items:
            data = item["json"]
            shape = set(data) == {"error"} or (
                set(data) == {"error", "message"} and data["message"]
            )
            if not (data.get("error") and shape):
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
) -> RunResult:
    """Run a workflow: against ``credentials``, or the workflow's own (emulator or domain/key).

    ``env_files``: the .env files that ``environ`` was read from, named when credentials lack;
    ``grace``: seconds the requests in flight get to finish when the run is stopped;
    ``resume``: continue interrupted ``streamTo`` exports from their checkpoints;
    ``pinned``: nodes with pinned data (an n8n export's pinData) output it instead of running,
    as in n8n's manual runs.
    """
    from ..emulator import Emulator  # the emulator is only needed for emulator workflows

    env = dict(os.environ if environ is None else environ)

    def runner(creds: Credentials | None) -> Runner:
        return Runner(
            workflow,
            creds,
            environ=env,
            on_progress=on_progress,
            grace=grace,
            resume=resume,
            pinned=pinned,
        )

    spec = workflow.credentials
    source = str(workflow.source or "<workflow>")
    needs_tracker = any(
        n.type == "keitaro" and not (pinned and n.name in workflow.pin_data) for n in workflow.nodes
    )
    if credentials is not None or not needs_tracker:
        return await runner(credentials).run()
    if spec is None:
        if env.get("KEITARO_DOMAIN") and env.get("KEITARO_API_KEY"):
            return await runner(Credentials.from_env(env)).run()
        looked = ", ".join(map(str, env_files))
        raise WorkflowError(
            f"{source}: no credentials: add 'credentials:' to the workflow "
            "(emulator: {seed: demo}, or domain and apiKey), set KEITARO_DOMAIN "
            "and KEITARO_API_KEY, or run keitaro-node with --emulator or --credentials FILE"
            + (f" (.env files looked for: {looked})" if looked else "")
        )
    if "emulator" in spec:
        options = spec["emulator"]
        key = os.urandom(16).hex()
        async with Emulator(
            api_key=key,
            seed=options.get("seed", "demo"),
            clicks=options.get("clicks", 2000),
            faults=options.get("faults"),
            original_paths=options.get("originalPaths", False),
        ) as emu:
            return await runner(
                Credentials(emu.url, key, postback_key=emu.tracker.postback_key)
            ).run()
    return await runner(resolve_credentials(spec, env, source)).run()
