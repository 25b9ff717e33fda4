"""The long-lived runtime: the served workflows, their triggers kept active, and every
execution run in the one asyncio process, bounded per workflow and overall, each in realms of
its own (a Code node of one execution cannot reach the next), put on record, with its static
data carried to the next and an error workflow started when it fails."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .. import credentials as sources
from .. import expressions
from ..errors import InputError, KeitaroNodeError
from ..model import Credentials, Item
from ..n8n import import_n8n
from ..workflows import NodeFailed, RunResult, Workflow, WorkflowError, run_workflow
from ..workflows.library import Library
from ..workflows.model import Response, Start, WorkflowNode
from ..workflows.nodes import TABLE
from ..workflows.nodes.base import credential_name
from ..workflows.nodes.triggers import schedule_item
from .records import Records
from .schedules import Rule, recurs, rules
from .webhooks import AUTH_CREDENTIALS, Hook, hook

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..core.http import AiohttpTransport

log = logging.getLogger("keitaro_node.serve")
TIME_TRIGGERS = ("scheduleTrigger", "cron", "interval")
DEFAULT_CONCURRENCY = 50
DEFAULT_PER_WORKFLOW = 10


@dataclass
class Served:
    """One workflow being served."""

    id: str
    workflow: Workflow
    hooks: list[Hook]
    schedules: list[tuple[WorkflowNode, list[Rule]]]
    named: sources.Named
    static: dict[str, Any] = field(default_factory=dict)

    @property
    def triggers(self) -> list[str]:
        return [
            n.name for n in self.workflow.nodes if TABLE[n.type].manual and not n.get("disabled")
        ]

    def credential(self, node: WorkflowNode) -> Mapping[str, str] | None:
        """The credentials a Webhook node authenticates callers with."""
        kind = AUTH_CREDENTIALS.get((node.get("parameters") or {}).get("authentication", ""))
        if kind is None:
            return None
        try:
            return sources.pick(self.named, kind, credential_name(node, kind))
        except InputError:
            return None


def serve_one(workflow: Workflow, environ: Mapping[str, str]) -> Served:
    """A workflow made ready to serve: its webhooks and schedules read; InputError for one
    that cannot be (the message names the file)."""
    where = str(workflow.source or workflow.name)
    served_id = workflow.id or (workflow.source.stem if workflow.source else workflow.name)
    hooks, schedules = [], []
    for node in workflow.nodes:
        if node.get("disabled"):
            continue
        try:
            if node.type == "webhook":
                hooks.append(hook(workflow, served_id, node))
            elif node.type in TIME_TRIGGERS:
                schedules.append((node, rules(node, f"{served_id}:{node.name}")))
        except InputError as exc:
            raise InputError(f"{where}: {exc.message}") from None
        except (TypeError, ValueError, KeyError) as exc:
            raise InputError(f"{where}: node {node.name!r}: its parameters: {exc}") from None
    try:
        named = sources.named(workflow.credentials, environ, where)
    except InputError as exc:
        raise InputError(exc.message) from None
    return Served(served_id, workflow, hooks, schedules, named)


@dataclass(frozen=True)
class Outcome:
    """How an execution ended: its id on record, its result (None when it failed) and, when it
    stopped, why."""

    id: int
    result: RunResult | None
    error: dict[str, Any] | None


class Service:
    """Runs executions of the served workflows and keeps their triggers active."""

    def __init__(
        self,
        served: Sequence[Served],
        records: Records,
        *,
        environ: Mapping[str, str],
        tracker: Credentials | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        per_workflow: int = DEFAULT_PER_WORKFLOW,
        base_url: str = "",
    ) -> None:
        self.served = {s.id: s for s in served}
        self.routes = sorted((h for s in served for h in s.hooks), key=lambda h: h.dynamic)
        """Every webhook, those with fixed paths first (n8n looks them up first)."""
        self.records = records
        self.environ = dict(environ)
        self.tracker = tracker
        """The tracker Keitaro nodes use (the embedded emulator's), else each workflow's own."""
        self.base_url = base_url
        self._concurrency = concurrency
        self._overall = asyncio.Semaphore(concurrency)
        self._each = {s.id: asyncio.Semaphore(per_workflow) for s in served}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._timers: list[asyncio.Task[None]] = []
        self.running: dict[int, asyncio.Task[Any]] = {}
        self._http: AiohttpTransport | None = None
        known = {key: s.workflow for s in served for key in (s.workflow.name, s.id)}
        folders = list(dict.fromkeys(s.workflow.source.parent for s in served if s.workflow.source))
        self.library = Library(
            folders, json_loader=lambda doc, source: import_n8n(doc, source), known=known
        )
        """What Execute Workflow nodes call: the served workflows by id and name first."""
        for s in served:
            s.static = records.static_data(s.id)

    def find(self, key: str) -> Served | None:
        """A served workflow by id, else by name."""
        if key in self.served:
            return self.served[key]
        return next((s for s in self.served.values() if s.workflow.name == key), None)

    # ------------------------------------------------------------------ executions

    async def execute(
        self,
        served: Served,
        start: Start,
        mode: str,
        on_response: Callable[[Response], None] | None = None,
    ) -> Outcome:
        """One execution, on record from its start; a failed one starts the error workflow."""
        async with self._overall, self._each[served.id]:
            execution = self.records.started(served.id, served.workflow.name, mode)
            task = asyncio.current_task()
            if task is not None:
                self.running[execution] = task
            began = time.monotonic()
            outcome = await self._run(served, start, mode, execution, on_response)
            self.running.pop(execution, None)
        self._log(
            "execution",
            id=execution,
            workflow=served.id,
            mode=mode,
            status="success" if outcome.error is None else "error",
            seconds=round(time.monotonic() - began, 3),
            **({"error": outcome.error.get("message")} if outcome.error else {}),
        )
        if outcome.error is not None:
            await self._after_failure(served, outcome, mode)
        return outcome

    async def _run(
        self,
        served: Served,
        start: Start,
        mode: str,
        execution: int,
        on_response: Callable[[Response], None] | None,
    ) -> Outcome:
        static = dict(served.static)  # the run replaces it whole (nothing is changed in place)
        nodes: Mapping[str, Any] = {}
        try:
            result = await run_workflow(
                served.workflow,
                credentials=self.tracker,
                environ=self.environ,
                named_credentials=served.named,
                start=start,
                mode=mode,
                static_data=static,
                on_response=on_response,
                http=self._transport(),
                library=self.library,
            )
        except asyncio.CancelledError:
            self.records.finished(execution, "canceled", last_node=None, error=None, nodes={})
            raise
        except NodeFailed as exc:
            nodes = exc.runs
            error = {
                "message": exc.reason or exc.message,
                "description": exc.description,
                "node": {"name": exc.node, "type": served.workflow.node(exc.node).type},
                "stack": f"NodeOperationError: {exc.reason}\n    at {exc.node}",
            }
            return self._finish(served, execution, static, None, error, exc.node, nodes)
        except (KeitaroNodeError, expressions.ExpressionError, RecursionError) as exc:
            error = {"message": str(getattr(exc, "message", exc)), "stack": type(exc).__name__}
            return self._finish(served, execution, static, None, error, None, nodes)
        last = result.order[-1] if result.order else None
        return self._finish(served, execution, static, result, None, last, result.runs)

    def _transport(self) -> AiohttpTransport:
        """One HTTP session for every execution (connections to a tracker are kept)."""
        if self._http is None:
            from ..core.http import AiohttpTransport

            self._http = AiohttpTransport(concurrency=self._concurrency)
        return self._http

    def _finish(
        self,
        served: Served,
        execution: int,
        static: dict[str, Any],
        result: RunResult | None,
        error: dict[str, Any] | None,
        last: str | None,
        runs: Mapping[str, Any],
    ) -> Outcome:
        if static != served.static:
            served.static = static
            self.records.keep_static_data(served.id, static)
        items = {name: run.items for name, run in runs.items()}
        status = "success" if error is None else "error"
        self.records.finished(execution, status, last_node=last, error=error, nodes=items)
        return Outcome(execution, result, error)

    async def _after_failure(self, served: Served, outcome: Outcome, mode: str) -> None:
        """n8n's executeErrorWorkflow: the workflow's errorWorkflow, else its own Error
        Trigger; never for an error workflow's own failure (no loop)."""
        target = (
            self.find(served.workflow.error_workflow) if served.workflow.error_workflow else None
        )
        if served.workflow.error_workflow and target is None:
            self._log(
                "error-workflow-missing", workflow=served.id, wanted=served.workflow.error_workflow
            )
            return
        if target is None and mode != "error":
            target = served
        if target is None or (mode == "error" and target is served):
            return
        trigger = next((n for n in target.workflow.nodes if n.type == "errorTrigger"), None)
        if trigger is None or trigger.get("disabled"):
            return
        assert outcome.error is not None
        record = self.records.get(outcome.id)
        item: Item = {
            "json": {
                "execution": {
                    "id": str(outcome.id),
                    "url": f"{self.base_url}/executions/{outcome.id}",
                    "error": {k: v for k, v in outcome.error.items() if v is not None},
                    "lastNodeExecuted": record.last_node if record else None,
                    "mode": mode,
                },
                "workflow": {"id": served.id, "name": served.workflow.name},
            }
        }
        self.spawn(self.execute(target, Start(trigger.name, [item]), "error"))

    def spawn(self, work: Awaitable[Any]) -> asyncio.Task[Any]:
        """An execution that nobody waits for (a schedule, a webhook answered at once)."""
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(_quiet)
        return task

    # ------------------------------------------------------------------ schedules

    def activate(self) -> None:
        """Every time trigger of every served workflow starts firing."""
        for served in self.served.values():
            for node, node_rules in served.schedules:
                for rule in node_rules:
                    self._timers.append(asyncio.ensure_future(self._fire(served, node, rule)))

    def next_runs(self, served: Served) -> list[str]:
        """When each time trigger fires next (ISO, the workflow's zone)."""
        now = datetime.now(self._zone(served))
        return sorted(r.next_after(now).isoformat() for _, rs in served.schedules for r in rs)

    def _zone(self, served: Served) -> ZoneInfo:
        return ZoneInfo(served.workflow.timezone or expressions.default_timezone())

    async def _fire(self, served: Served, node: WorkflowNode, rule: Rule) -> None:
        zone = self._zone(served)
        moment = datetime.now(zone)
        while True:
            upcoming = rule.next_after(moment)
            await asyncio.sleep(max(0.0, (upcoming - datetime.now(zone)).total_seconds()))
            moment = upcoming
            state = served.static.setdefault(f"node:{node.name}", {})
            if not recurs(rule, state, datetime.now(zone)):
                continue
            if rule.recurrence is not None:
                self.records.keep_static_data(served.id, served.static)
            now = datetime.now(zone)
            items = (
                [schedule_item(now, str(zone))]
                if node.type == "scheduleTrigger"
                else [{"json": {}}]
            )
            self._log("fired", workflow=served.id, trigger=node.name, at=now.isoformat())
            self.spawn(self.execute(served, Start(node.name, items), "trigger"))

    # ------------------------------------------------------------------ shutdown

    async def stop(self, grace: float) -> int:
        """Triggers stop; running executions get ``grace`` seconds to finish, the rest are
        cancelled (on record as ``canceled``). Returns how many were cancelled."""
        for timer in self._timers:
            timer.cancel()
        await asyncio.gather(*self._timers, return_exceptions=True)
        pending = {t for t in self._tasks if not t.done()} | set(self.running.values())
        if pending:
            _, late = await asyncio.wait(pending, timeout=grace)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=5)
        cancelled = self.records.canceled_running()
        if self._http is not None:
            await self._http.close()
        return cancelled

    def _log(self, event: str, **fields: Any) -> None:
        log.info(event, extra={"fields": fields})


def _quiet(task: asyncio.Task[Any]) -> None:
    """A background execution's exception is on record already; it is not raised again."""
    if not task.cancelled():
        task.exception()


def load_served(
    paths: Sequence[Path], environ: Mapping[str, str], credentials_file: Path | None = None
) -> tuple[list[Served], list[str]]:
    """Every workflow in the files and folders given (YAML and n8n JSON), checked; a bad file
    is reported (the second list) and skipped."""
    from .. import credentials as files
    from ..n8n import load_n8n
    from ..workflows import load_workflow

    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                p for p in path.iterdir() if p.suffix.lower() in (".yaml", ".yml", ".json")
            )
        else:
            found.append(path)
    given = files.read_file(credentials_file) if credentials_file else None
    served, problems = [], []
    ids: set[str] = set()
    for path in found:
        try:
            workflow = load_n8n(path) if path.suffix.lower() == ".json" else load_workflow(path)
            if given is not None:
                workflow = replace(workflow, credentials=given)
            one = serve_one(workflow, environ)
        except (InputError, WorkflowError) as exc:
            problems.append(exc.message)
            continue
        if one.id in ids:
            problems.append(f"{path}: a served workflow already has the id {one.id!r}: skipped")
            continue
        ids.add(one.id)
        served.append(one)
    return served, problems
