"""Starting a run: credentials resolved (given, named by the workflow, or from the
environment), then a Runner."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .. import credentials as sources
from ..errors import InputError
from ..model import Credentials
from ..options import DEFAULT_GRACE
from .library import Library
from .model import NodeProgress, Response, RunResult, Start, Workflow, WorkflowError
from .runner import Runner

TYPE_CHECKING = False
if TYPE_CHECKING:  # aiohttp is imported only when a node sends a request
    from ..core.http import AiohttpTransport


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
    start: Start | None = None,
    mode: str = "manual",
    static_data: dict[str, Any] | None = None,
    on_response: Callable[[Response], None] | None = None,
    http: AiohttpTransport | None = None,
    library: Library | None = None,
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
    spec, such as a credentials file's, ``${VAR}`` from ``environ``); ``start``: the trigger
    that fired and its event (default: a manual run); ``mode``: ``$execution.mode``;
    ``static_data``: what $getWorkflowStaticData starts from, updated in place to what the
    execution left, however it ended; ``on_response``: called with a Respond to Webhook
    node's response; ``http``: an HTTP transport to send through and leave open (a server's,
    shared by its executions), default one of the run's own; ``library``: where Execute
    Workflow nodes find the workflows they call (default: YAML files beside this one).
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
        start=start,
        mode=mode,
        static_data=static_data,
        on_response=on_response,
        http=http,
        library=library,
    )
    return await runner.run()


def needs_tracker(workflow: Workflow, pinned: bool = False) -> bool:
    """Whether a run sends anything to a tracker (a pinned node sends nothing)."""
    return any(
        n.type == "keitaro" and not (pinned and n.name in workflow.pin_data) for n in workflow.nodes
    )
