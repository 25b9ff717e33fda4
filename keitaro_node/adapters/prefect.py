"""Prefect 3: an async task for one operation, a whole workflow as a flow, and a deployment on
the workflow's own schedule.

Credentials: the API key from a Prefect ``Secret`` block (name given), else ``KEITARO_API_KEY``;
the domain as given, else ``KEITARO_DOMAIN``. Prefect's own retries are off by default: the
HTTP layer already retries what is safe to retry.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..model import Credentials, Item
from ..options import DEFAULT_CONCURRENCY
from .common import engine_schedule, load_any, plain_items, require, run_operation, run_scheduled

prefect = require("prefect", "prefect")
from prefect import flow, task  # noqa: E402


def credentials(domain: str | None = None, api_key_secret: str | None = None) -> Credentials:
    """Credentials from a Secret block (``api_key_secret``) or the environment (the postback
    key, when postback operations need it, from ``KEITARO_POSTBACK_KEY``)."""
    if api_key_secret:
        from prefect.blocks.system import Secret

        api_key = str(Secret.load(api_key_secret).get())
    else:
        api_key = os.environ.get("KEITARO_API_KEY", "")
    domain = domain or os.environ.get("KEITARO_DOMAIN", "")
    if not api_key or not domain:
        raise InputError(
            "Keitaro credentials: give domain (or KEITARO_DOMAIN) and a Secret block "
            "name (or KEITARO_API_KEY)"
        )
    postback = os.environ.get("KEITARO_POSTBACK_KEY") or None
    return Credentials(domain=domain, api_key=api_key, postback_key=postback)


@task(name="keitaro", retries=0, log_prints=False)
async def keitaro_task(
    resource: str,
    operation: str,
    parameters: Mapping[str, Any] | None = None,
    items: Sequence[Mapping[str, Any]] | None = None,
    *,
    domain: str | None = None,
    api_key_secret: str | None = None,
    fail_on_item_error: bool = False,
    concurrency: int = DEFAULT_CONCURRENCY,
    split: bool = False,
) -> list[Item]:
    """Run ``resource:operation`` once per item; failed items stay in the result unless
    ``fail_on_item_error`` (then the task fails)."""
    return await run_operation(
        credentials(domain, api_key_secret),
        resource,
        operation,
        plain_items(items),
        parameters,
        fail_on_item_error=fail_on_item_error,
        concurrency=concurrency,
        split=split,
    )


def workflow_flow(path: str | Path, *, fail_on_item_error: bool = False) -> Any:
    """A Prefect flow that runs a workflow file (YAML or n8n JSON; on the embedded emulator
    when it names it) and returns its result items: from its time trigger, as ``serve`` runs
    it, when it has one."""
    from ..embedded import run_workflow
    from ..serve.service import TIME_TRIGGERS
    from .common import ItemsFailed

    workflow = load_any(path)
    timed = any(n.type in TIME_TRIGGERS for n in workflow.nodes)

    @flow(name=workflow.name, retries=0)
    async def run_keitaro_workflow() -> list[Item]:
        if timed:
            return await run_scheduled(workflow, fail_on_item_error=fail_on_item_error)
        result = await run_workflow(workflow)
        if result.failed and fail_on_item_error:
            raise ItemsFailed(result.failed, result.items)
        return result.items

    return run_keitaro_workflow


def workflow_deployment(path: str | Path, *, name: str | None = None, **options: Any) -> Any:
    """A deployment of ``workflow_flow(path)`` on the schedule of the workflow's time trigger,
    in its zone (``prefect.serve(workflow_deployment("x.yaml"))`` runs it)."""
    from prefect.schedules import Cron, Interval

    schedule = engine_schedule(load_any(path))
    zone = schedule.timezone
    when = (
        Cron(schedule.cron, timezone=zone)
        if schedule.cron
        else Interval(schedule.every, timezone=zone)
    )
    return workflow_flow(path).to_deployment(name=name or Path(path).stem, schedule=when, **options)
