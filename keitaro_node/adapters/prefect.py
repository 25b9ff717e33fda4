"""Prefect 3: an async task for one operation, and a whole YAML workflow as a flow.

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
from .common import plain_items, require, run_operation

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
    """A Prefect flow that runs a YAML workflow file (on the embedded emulator when it names it)
    and returns its result items."""
    from ..embedded import run_workflow
    from ..workflows import load_workflow
    from .common import ItemsFailed

    workflow = load_workflow(path)

    @flow(name=workflow.name, retries=0)
    async def run_keitaro_workflow() -> list[Item]:
        result = await run_workflow(workflow)
        if result.failed and fail_on_item_error:
            raise ItemsFailed(result.failed, result.items)
        return result.items

    return run_keitaro_workflow
