"""Workflows on the embedded emulator: ``credentials: {emulator: {seed: demo}}`` starts a local
Keitaro (``keitaro_node.emulator``) for the run and stops it after. The runtime itself never
imports the emulator: this module and the CLI are where it is started.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from .model import Credentials
from .workflows import RunResult, Workflow
from .workflows import run_workflow as run_on_credentials
from .workflows.launch import needs_tracker
from .workflows.library import Library


@asynccontextmanager
async def emulator(options: Mapping[str, Any]) -> AsyncIterator[Credentials]:
    """A running emulator (options as a workflow's ``credentials.emulator``) and its
    credentials, with a key made for this run."""
    from .emulator import Emulator

    key = os.urandom(16).hex()
    async with Emulator(
        api_key=key,
        seed=options.get("seed", "demo"),
        clicks=options.get("clicks", 2000),
        faults=options.get("faults"),
        original_paths=options.get("originalPaths", False),
    ) as emu:
        yield Credentials(emu.url, key, postback_key=emu.tracker.postback_key)


def library(workflow: Workflow) -> Library:
    """The workflows beside this one, YAML and n8n JSON, for its Execute Workflow nodes."""
    from .n8n import import_n8n

    folders = [workflow.source.parent] if workflow.source else []
    return Library(folders, json_loader=lambda doc, source: import_n8n(doc, source))


async def run_workflow(workflow: Workflow, **options: Any) -> RunResult:
    """``workflows.run_workflow``, starting the embedded emulator when the workflow names it
    (and no ``credentials`` are given); Execute Workflow nodes find n8n JSON workflows too."""
    options.setdefault("library", library(workflow))
    spec = workflow.credentials
    wanted = options.get("credentials") is None and needs_tracker(
        workflow, options.get("pinned", False)
    )
    if not (wanted and spec is not None and "emulator" in spec):
        return await run_on_credentials(workflow, **options)
    async with emulator(spec["emulator"]) as credentials:
        return await run_on_credentials(workflow, **{**options, "credentials": credentials})
