"""A workflow's own schedule under each engine: Airflow's DAG, Prefect's deployment and
Dagster's schedule take the Schedule Trigger's cron expression in the workflow's zone, and one
run of each executes the workflow from that trigger against the emulator."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import CANARY
from .conftest import need

pytestmark = pytest.mark.engines

WORKFLOW = """\
name: Two-hourly campaigns
id: two_hourly
credentials: {domain: "${KEITARO_DOMAIN}", apiKey: "${KEITARO_API_KEY}"}
settings: {timezone: Europe/Moscow}
nodes:
  - name: Every two hours
    type: scheduleTrigger
    typeVersion: 1.2
    parameters:
      rule: {interval: [{field: hours, hoursInterval: 2, triggerAtMinute: 5}]}
  - name: Campaigns
    type: keitaro
    resource: campaign
    operation: getAll
    split: true
    parameters: {limit: 2}
  - name: Note
    type: code
    jsCode: "return $input.all().map(i => ({json: {alias: i.json.alias, zone: $('Every two hours').first().json.Timezone}}));"
  - name: Save
    type: output
    path: out.json
"""
CRON = "5 */2 * * *"
ZONE = "Europe/Moscow"


@pytest.fixture
def scheduled(emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KEITARO_DOMAIN", emulator.url)
    monkeypatch.setenv("KEITARO_API_KEY", CANARY)
    path = tmp_path / "two_hourly.yaml"
    path.write_text(WORKFLOW, encoding="utf-8")
    return path


def saved(path: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = json.loads((path.parent / "out.json").read_text())
    return rows


def test_airflow_dag_on_the_workflows_schedule(scheduled: Path, tmp_path: Path) -> None:
    need("airflow")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp_path / 'airflow.db'}",
    }
    dags = tmp_path / "airflow" / "dags"
    dags.mkdir(parents=True)
    (dags / "scheduled.py").write_text(
        "from keitaro_node.adapters.airflow import workflow_dag\n"
        f"dag = workflow_dag({str(scheduled)!r})\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", "import runpy, sys; d = runpy.run_path(sys.argv[1])['dag'];"
         "t = d.timetable; print(d.dag_id, t.expression, t.timezone)", str(dags / "scheduled.py")],
        env=env, capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    assert shown.stdout.split("\n")[-2] == f"two_hourly {CRON} {ZONE}"
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        env=env, check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "airflow", "dags", "test", "two_hourly"],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert [r["zone"].split()[0] for r in saved(scheduled)] == [ZONE, ZONE]
    assert CANARY not in done.stdout + done.stderr


def test_prefect_deployment_on_the_workflows_schedule(
    scheduled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    need("prefect")
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    from keitaro_node.adapters.prefect import workflow_deployment, workflow_flow

    deployment = workflow_deployment(scheduled)
    schedule = deployment.schedules[0].schedule
    assert (schedule.cron, schedule.timezone) == (CRON, ZONE)
    items = asyncio.run(workflow_flow(scheduled)())
    assert [i["json"]["zone"].split()[0] for i in items] == [ZONE, ZONE]


def test_dagster_schedule_on_the_workflows_schedule(scheduled: Path) -> None:
    need("dagster")
    from keitaro_node.adapters.dagster import workflow_schedule

    schedule = workflow_schedule(scheduled)
    assert (schedule.cron_schedule, schedule.execution_timezone) == (CRON, ZONE)
    assert schedule.job.execute_in_process().success
    assert [r["zone"].split()[0] for r in saved(scheduled)] == [ZONE, ZONE]
