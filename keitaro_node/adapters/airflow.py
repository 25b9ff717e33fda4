"""Airflow: ``KeitaroHook`` (connection type ``keitaro``: host = tracker domain, password = API
key, which Airflow masks) and ``KeitaroOperator`` with templated items and parameters.

Results go to XCom when small; give ``output_path`` for large batches (the items are written
there and XCom gets ``{path, count}``). Registered through the ``apache_airflow_provider`` entry
point (``keitaro_node.adapters.airflow_provider``, which does not import Airflow: Airflow reads
it while it starts). ``workflow_dag("x.yaml")``: a DAG on the workflow's own schedule.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..model import Credentials, Item
from ..options import DEFAULT_CONCURRENCY
from .common import (
    engine_schedule,
    load_any,
    plain_items,
    require,
    run_operation,
    run_scheduled,
    to_file,
)

require("airflow", "airflow")
from airflow.sdk import BaseHook, BaseOperator  # noqa: E402


class KeitaroHook(BaseHook):  # type: ignore[misc]
    conn_name_attr = "keitaro_conn_id"
    default_conn_name = "keitaro_default"
    conn_type = "keitaro"
    hook_name = "Keitaro"

    def __init__(self, keitaro_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.keitaro_conn_id = keitaro_conn_id

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        return {
            "hidden_fields": ["schema", "port", "extra"],
            "relabeling": {
                "host": "Tracker domain",
                "password": "API key",
                "login": "Postback key",
            },
            "placeholders": {"host": "https://tracker.example", "login": "optional"},
        }

    def credentials(self) -> Credentials:
        conn = self.get_connection(self.keitaro_conn_id)
        host = conn.host or ""
        if conn.schema and "://" not in host:
            host = f"{conn.schema}://{host}"
        if conn.port:
            host = f"{host}:{conn.port}"
        postback = conn.login or None  # the tracker's postback key, for S2S postback operations
        return Credentials(domain=host, api_key=conn.password or "", postback_key=postback)

    def get_conn(self) -> Credentials:
        return self.credentials()


class KeitaroOperator(BaseOperator):  # type: ignore[misc]
    template_fields: Sequence[str] = ("items", "parameters", "output_path")

    def __init__(
        self,
        *,
        resource: str,
        operation: str,
        parameters: Mapping[str, Any] | None = None,
        items: Sequence[Mapping[str, Any]] | None = None,
        keitaro_conn_id: str = KeitaroHook.default_conn_name,
        fail_on_item_error: bool = False,
        concurrency: int = DEFAULT_CONCURRENCY,
        split: bool = False,
        output_path: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.resource, self.operation = resource, operation
        self.parameters = dict(parameters or {})
        self.items = list(items) if items is not None else None
        self.keitaro_conn_id = keitaro_conn_id
        self.fail_on_item_error = fail_on_item_error
        self.concurrency, self.split, self.output_path = concurrency, split, output_path

    def execute(self, context: Any) -> list[Item] | dict[str, Any]:
        out = asyncio.run(
            run_operation(
                KeitaroHook(self.keitaro_conn_id).credentials(),
                self.resource,
                self.operation,
                plain_items(self.items),
                self.parameters,
                fail_on_item_error=self.fail_on_item_error,
                concurrency=self.concurrency,
                split=self.split,
            )
        )
        return to_file(out, self.output_path) if self.output_path else out


def workflow_dag(
    path: str | Path, *, dag_id: str | None = None, fail_on_item_error: bool = False, **dag: Any
) -> Any:
    """A DAG that runs a workflow file on the schedule of its time trigger (Schedule Trigger,
    Cron or Interval), in the workflow's zone: one task, one scheduled execution per run, as
    ``serve`` runs it; its result items go to XCom. Other ``DAG`` arguments pass through."""
    import pendulum
    from airflow.sdk import DAG, task

    workflow = load_any(path)
    schedule = engine_schedule(workflow)
    start = pendulum.datetime(2026, 1, 1, tz=schedule.timezone)
    dag.setdefault("start_date", start)
    dag.setdefault("catchup", False)
    dag.setdefault("description", f"{workflow.name} ({Path(path).name}): {schedule.trigger}")
    name = dag_id or re.sub(r"[^A-Za-z0-9_.-]+", "_", workflow.id or Path(path).stem)
    with DAG(name, schedule=schedule.cron or schedule.every, **dag) as built:

        @task(task_id="run_workflow")
        def run() -> list[Item]:
            return asyncio.run(run_scheduled(workflow, fail_on_item_error=fail_on_item_error))

        run()
    return built
