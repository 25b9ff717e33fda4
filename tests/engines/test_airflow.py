"""Airflow: KeitaroOperator in a DAG run by ``dag.test()`` (a real task run, SQLite metadata DB),
with the connection (type keitaro: host = domain, password = key) from the environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import CANARY
from .conftest import need

pytestmark = pytest.mark.engines

DAG_FILE = """
from datetime import datetime
from airflow.sdk import DAG
from keitaro_node.adapters.airflow import KeitaroOperator
with DAG("keitaro_test", start_date=datetime(2026, 1, 1), schedule=None, catchup=False,
         render_template_as_native_obj=True) as dag:
    listed = KeitaroOperator(task_id="campaigns", resource="campaign", operation="getAll",
                             parameters={"limit": "{{ params.limit }}"}, params={"limit": 2},
                             fail_on_item_error=True)
    saved = KeitaroOperator(task_id="notes", resource="campaign", operation="update",
                            parameters={"campaignId": 1, "campaignData": {"notes": "{{ run_id }}"}},
                            output_path=OUTPUT)
    listed >> saved
"""


def test_airflow_operator_runs_in_a_dag(emulator, tmp_path: Path) -> None:
    need("airflow")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp_path / 'airflow.db'}",
        "AIRFLOW_CONN_KEITARO_DEFAULT": json.dumps(
            {"conn_type": "keitaro", "host": emulator.url, "password": CANARY}
        ),
    }
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    output = tmp_path / "notes.json"
    dags = tmp_path / "airflow" / "dags"
    dags.mkdir(parents=True, exist_ok=True)
    (dags / "keitaro_test.py").write_text(f"OUTPUT = {str(output)!r}\n" + DAG_FILE)
    done = subprocess.run(
        [sys.executable, "-m", "airflow", "dags", "test", "keitaro_test"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0 and output.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    rows = json.loads(output.read_text())
    assert rows[0]["success"] is True and rows[0]["data"]["notes"].startswith("manual__")
    assert CANARY not in done.stdout + done.stderr
    journal = [e for e in emulator.journal if e.path == "/admin_api/v1/campaigns"]
    assert journal and ["limit", "2"] in [list(p) for p in journal[-1].query]
