"""Dagster: ``KeitaroResource`` (a ``ConfigurableResource``; give the key as
``EnvVar("KEITARO_API_KEY")`` so that it stays out of run config and the UI), usable from assets
and ops, async or not; ``workflow_schedule("x.yaml")``: a job that runs a workflow file, on the
schedule of its time trigger."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..model import Credentials, Item
from ..options import DEFAULT_CONCURRENCY
from .common import engine_schedule, load_any, plain_items, require, run_operation, run_scheduled

dg = require("dagster", "dagster")


class KeitaroResource(dg.ConfigurableResource):  # type: ignore[misc, name-defined]
    domain: str
    api_key: str
    postback_key: str | None = None
    """The tracker's postback key, for conversion create/update and postback test."""
    concurrency: int = DEFAULT_CONCURRENCY

    def credentials(self) -> Credentials:
        return Credentials(self.domain, self.api_key, postback_key=self.postback_key)

    async def execute(
        self,
        resource: str,
        operation: str,
        parameters: Mapping[str, Any] | None = None,
        items: Sequence[Mapping[str, Any]] | None = None,
        *,
        fail_on_item_error: bool = False,
        split: bool = False,
    ) -> list[Item]:
        return await run_operation(
            self.credentials(),
            resource,
            operation,
            plain_items(items),
            parameters,
            fail_on_item_error=fail_on_item_error,
            concurrency=self.concurrency,
            split=split,
        )

    def execute_sync(
        self,
        resource: str,
        operation: str,
        parameters: Mapping[str, Any] | None = None,
        items: Sequence[Mapping[str, Any]] | None = None,
        **options: Any,
    ) -> list[Item]:
        return asyncio.run(self.execute(resource, operation, parameters, items, **options))


def workflow_schedule(path: str | Path, *, fail_on_item_error: bool = False) -> Any:
    """A ``ScheduleDefinition`` whose job runs the workflow file once per tick (from its time
    trigger, as ``serve`` runs it), on that trigger's cron expression in the workflow's zone.
    Dagster schedules are cron expressions: a seconds or Interval trigger is refused."""
    workflow = load_any(path)
    schedule = engine_schedule(workflow)
    if schedule.cron is None:
        raise ValueError(
            f"{path}: Dagster schedules are cron expressions; this workflow repeats every "
            f"{schedule.every} (serve it, or use the Airflow or Prefect adapter)"
        )
    name = re.sub(r"[^A-Za-z0-9_]+", "_", workflow.id or Path(path).stem)

    @dg.op(name=f"{name}_run")
    def run_op() -> list[Any]:  # Dagster type-checks outputs: a TypedDict is not a type to it
        return asyncio.run(run_scheduled(workflow, fail_on_item_error=fail_on_item_error))

    @dg.job(name=name, description=f"{workflow.name} ({Path(path).name})")
    def job() -> None:
        run_op()

    return dg.ScheduleDefinition(
        name=f"{name}_schedule",
        job=job,
        cron_schedule=schedule.cron,
        execution_timezone=schedule.timezone,
    )
