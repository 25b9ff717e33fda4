"""Exactly-once creates under faults (issue 13): every path, against the emulator's faults.

Faults with ``writes=1`` hit only writes, so that the read-back of a create sees the truth.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from keitaro_node import Credentials, Interrupted, KeitaroNode, RetryPolicy
from keitaro_node.emulator import Emulator

from .conftest import CANARY, Http

FAST = RetryPolicy(max_attempts=8, base_delay=0.001, max_delay=0.01)


def creates(emu: Emulator, names: list[str], resource: str = "offer", **kw: Any) -> list[dict]:
    node = KeitaroNode(Credentials(emu.url, CANARY), **{"retry": FAST, **kw.pop("node", {})})
    data = "offerData" if resource == "offer" else "campaignData"
    out = node.execute_sync(
        [{"json": {"name": n}} for n in names],
        resource=resource,
        operation="create",
        parameters=lambda js, i: (
            {data: {"name": js["name"], "alias": js["name"]}}
            if resource == "campaign"
            else {data: {"name": js["name"], "payout_value": 2}}
        ),
        continue_on_fail=True,
        **kw,
    )
    assert CANARY not in json.dumps(out)
    return [o["json"] for o in out]


def wait_until(condition: Any, seconds: float = 60) -> None:
    """Poll until ``condition()`` holds (a slow machine starts the CLI slowly)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the run did not get there in time"
        time.sleep(0.05)


def stored(emu: Emulator, path: str = "/offers") -> list[dict]:
    return Http(emu.url).api("GET", path)[2]


def posts(emu: Emulator, path: str = "/admin_api/v1/offers") -> int:
    return sum(1 for e in emu.journal if e.method == "POST" and e.path == path)


@pytest.mark.parametrize("fault", ["429=0.4,retry_after=0", "503=0.4,retry_after=0"])
def test_refused_creates_are_sent_again(fault: str) -> None:
    with Emulator.in_thread(api_key=CANARY, seed=None, faults=f"{fault},writes=1,seed=4") as emu:
        names = [f"refused-{i}" for i in range(20)]
        items = creates(emu, names)
        assert all(i["success"] for i in items), [i.get("error") for i in items]
        assert sorted(o["name"] for o in stored(emu)) == sorted(names)  # none twice
        assert posts(emu) > 20  # some were refused and sent again
        assert not any(i.get("reconciled") for i in items)  # refusals need no read-back


def test_a_create_whose_answer_was_lost_is_found() -> None:
    with Emulator.in_thread(api_key=CANARY, seed=None, faults="truncate=1,writes=1") as emu:
        items = creates(emu, ["lost-answer-1", "lost-answer-2"])
        listed = stored(emu)
    assert [i["success"] for i in items] == [True, True]
    assert all(i["reconciled"] is True for i in items)
    assert sorted(o["id"] for o in listed) == sorted(i["data"]["id"] for i in items)
    assert posts(emu) == 2  # found, not sent again


def test_a_create_by_natural_key_is_found() -> None:
    with Emulator.in_thread(api_key=CANARY, seed=None, faults="drop=1,writes=1") as emu:
        items = creates(emu, ["alias-one", "alias-two"], resource="campaign")
        listed = stored(emu, "/campaigns")
    assert all(i["success"] and i["reconciled"] for i in items)
    assert sorted(c["alias"] for c in listed) == ["alias-one", "alias-two"]


def test_a_create_provably_absent_is_sent_again() -> None:
    with Emulator.in_thread(api_key=CANARY, seed=None, faults="500=0.5,writes=1,seed=11") as emu:
        names = [f"absent-{i}" for i in range(12)]
        items = creates(emu, names, node={"retry": RetryPolicy(max_attempts=1)})
        listed = stored(emu)
    ok = [i for i in items if i["success"]]
    assert [i.get("resent", 0) > 0 for i in ok].count(True) > 0, "some creates were resent"
    assert sorted(o["name"] for o in listed) == sorted(i["data"]["name"] for i in ok)
    for failed in (i for i in items if not i["success"]):  # only if three tries all failed
        assert "sent 3 times, never found" in failed["error"]["description"]


def test_an_undecidable_create_is_flagged() -> None:
    # two identical offers whose answers are both lost: neither item can tell which is its own
    with Emulator.in_thread(api_key=CANARY, seed=None, faults="truncate=1,writes=1") as emu:
        items = creates(emu, ["twin", "twin"])
        listed = stored(emu)
    assert len(listed) == 2
    for item in items:
        assert item["success"] is False
        description = item["error"]["description"]
        assert "may have been applied" in description and "2 records match" in description
        assert "looked for it in GET /offers" in description


def test_a_stop_lets_requests_in_flight_finish() -> None:
    async def stopped(grace: float) -> Interrupted:
        with Emulator.in_thread(api_key=CANARY, seed=None, faults="latency=600") as emu:
            node = KeitaroNode(Credentials(emu.url, CANARY), grace=grace)
            run = asyncio.ensure_future(
                node.execute(
                    [{"json": {"n": i}} for i in range(10)],
                    resource="affiliate_network",
                    operation="create",
                    parameters=lambda js, i: {"networkData": {"name": f"g{grace}-{i}"}},
                    concurrency=3,
                )
            )
            while posts(emu, "/admin_api/v1/affiliate_networks") < 3:  # noqa: ASYNC110 - the emulator thread has no event to await
                await asyncio.sleep(0.01)
            run.cancel()
            with pytest.raises(Interrupted) as err:
                await run
            names = {n["name"] for n in stored(emu, "/affiliate_networks")}
        stop = err.value
        reported = {i["json"]["data"]["name"] for i in stop.finished}
        assert reported <= names
        for item in stop.unfinished:  # what was cut off says so, with its index
            assert "may have been applied" in item["json"]["error"]["message"]
        indexes = [i["pairedItem"]["item"] for i in stop.items]
        assert indexes == sorted(indexes) and len(indexes) == len(set(indexes))
        # every record that reached the tracker is accounted for: ok, or flagged with its index
        flagged = {f"g{grace}-{i['pairedItem']['item']}" for i in stop.unfinished}
        assert names <= reported | flagged
        return stop

    patient = asyncio.run(stopped(grace=5))
    assert len(patient.finished) == 3 and not patient.unfinished  # the 3 in flight finished
    hasty = asyncio.run(stopped(grace=0.05))
    assert not hasty.finished and len(hasty.unfinished) == 3


WORKFLOW = """\
name: Slow creates
credentials: {{domain: "{url}", apiKey: "${{KEITARO_API_KEY}}"}}
nodes:
  - {{name: Rows, type: items, items: [{rows}]}}
  - name: Save
    type: keitaro
    resource: affiliate_network
    operation: create
    concurrency: 2
    parameters: {{networkData: {{name: "=twice-{{{{ $json.n }}}}"}}}}
"""


def test_a_second_interrupt_stops_at_once(tmp_path: Path) -> None:
    with Emulator.in_thread(api_key=CANARY, seed=None, faults="latency=4000") as emu:
        rows = ", ".join(f"{{n: {i}}}" for i in range(6))
        (tmp_path / "wf.yaml").write_text(WORKFLOW.format(url=emu.url, rows=rows))
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "keitaro_node.cli",
                "run",
                "wf.yaml",
                "-q",
                "-o",
                "out.json",
                "--grace",
                "60",
            ],
            cwd=tmp_path,
            env={**os.environ, "KEITARO_API_KEY": CANARY},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_until(lambda: posts(emu, "/admin_api/v1/affiliate_networks") >= 2)  # 2 in flight
        proc.send_signal(signal.SIGINT)
        time.sleep(0.3)
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        assert time.monotonic() - started < 10, "the second interrupt did not wait out the grace"
    assert proc.returncode == 130, err
    out = json.loads((tmp_path / "out.json").read_text())
    assert [o["success"] for o in out] == [False, False]
    assert all("may have been applied" in o["error"]["message"] for o in out)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL, signal.SIGHUP])
def test_an_interrupted_export_resumes_to_the_same_file(
    tmp_path: Path, sig: signal.Signals
) -> None:
    with Emulator.in_thread(api_key=CANARY, seed="demo", clicks=3000, faults="latency=1500") as emu:
        (tmp_path / "wf.yaml").write_text(
            f'name: export\ncredentials: {{domain: "{emu.url}", apiKey: "${{KEITARO_API_KEY}}"}}\n'
            "nodes:\n  - name: Clicks\n    type: keitaro\n    resource: click\n"
            "    operation: getAll\n    streamTo: clicks.csv\n"
            "    parameters: {clickFilters: {interval: all_time, columns: [sub_id, ip, datetime]}}\n"
        )
        env = {**os.environ, "KEITARO_API_KEY": CANARY}
        cli = [sys.executable, "-m", "keitaro_node.cli", "run", "wf.yaml", "-q"]
        proc = subprocess.Popen(
            cli, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        checkpoint_file = tmp_path / ".clicks.csv.checkpoint"
        wait_until(checkpoint_file.exists)  # a page is written, and its checkpoint
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
        if sig == signal.SIGKILL:  # no last word: the checkpoint of the last page is all
            assert proc.returncode == -signal.SIGKILL
        else:
            assert proc.returncode == 130 and "run again with --resume" in err
        assert not (tmp_path / "clicks.csv").exists()
        checkpoint = json.loads((tmp_path / ".clicks.csv.checkpoint").read_text())
        emu.set_faults(None)
        before = len(emu.journal)
        again = subprocess.run(
            [*cli, "--resume"], cwd=tmp_path, env=env, check=True, timeout=60, capture_output=True
        )
        assert "resuming the export" in again.stderr.decode()
        pages = sum(1 for e in list(emu.journal)[before:] if e.path.endswith("/clicks/log"))
        assert pages == 3 - checkpoint["state"]["offset"] // 1000  # continued, not restarted
        resumed = (tmp_path / "clicks.csv").read_bytes()
        assert not list(tmp_path.glob(".clicks.csv.*"))
        subprocess.run(cli, cwd=tmp_path, env=env, check=True, timeout=60)
        assert (tmp_path / "clicks.csv").read_bytes() == resumed
    assert len(resumed.splitlines()) == 3001


def test_a_delete_whose_answer_was_lost_is_not_reported_as_missing() -> None:
    # The first DELETE archives the campaign but its connection drops; the retry finds nothing
    # left (404). That is the delete having worked, not "not found".
    with Emulator.in_thread(api_key=CANARY, seed=None) as emu:
        http = Http(emu.url)
        ids = [
            http.api("POST", "/campaigns", {"alias": f"del-{i}", "name": "d"})[2]["id"]
            for i in range(12)
        ]
        emu.set_faults("drop=0.5,writes=1,seed=2")
        node = KeitaroNode(Credentials(emu.url, CANARY), retry=FAST)
        out = node.execute_sync(
            [{"json": {"id": i}} for i in ids],
            resource="campaign",
            operation="delete",
            parameters=lambda js, i: {"campaignId": js["id"]},
            continue_on_fail=True,
        )
        emu.set_faults(None)
        archived = {c["id"] for c in http.api("GET", "/campaigns/deleted")[2]}
    assert all(o["json"]["success"] for o in out), [o["json"].get("error") for o in out]
    assert archived == set(ids)
    assert any(o["json"].get("reconciled") for o in out), "some answers were lost"
