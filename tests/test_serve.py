"""``keitaro-node serve`` over real loopback sockets: webhooks in every response mode, a
schedule firing each second, error workflows, static data between executions, the token, one
execution unable to change the next, and a graceful SIGTERM."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from keitaro_node.serve.records import Records

from .serving import code, node, serving, until, webhook, write


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def call(method: str, url: str, **kwargs: Any) -> tuple[int, dict[str, str], Any]:
    async with aiohttp.ClientSession() as session, session.request(method, url, **kwargs) as got:
        text = await got.text()
        try:
            body: Any = json.loads(text) if text else None
        except ValueError:
            body = text
        return got.status, dict(got.headers), body


def test_a_respond_to_webhook_node_answers_the_request(tmp_path: Path) -> None:
    respond = node(
        "Respond",
        "respondToWebhook",
        {"respondWith": "firstIncomingItem", "options": {"responseCode": 201}},
        1.1,
    )
    write(
        tmp_path,
        "relay",
        [
            webhook("postback", "responseNode"),
            code("Shape", "return [{json: {sub: $json.body.subid, mode: $execution.mode}}];"),
            respond,
        ],
    )

    async def scenario() -> None:
        async with serving(tmp_path) as (url, _):
            status, headers, body = await call(
                "POST", f"{url}/webhook/postback", json={"subid": "abc"}
            )
            assert (status, body) == (201, {"sub": "abc", "mode": "webhook"})
            assert headers["Content-Type"].startswith("application/json")
            status, _, body = await call("GET", f"{url}/webhook/postback")
            assert status == 404
            assert body["message"] == (
                "This webhook is not registered for GET requests. Did you mean to make a POST "
                "request?"
            )
            status, _, body = await call("POST", f"{url}/webhook/nowhere")
            assert status == 404 and "not registered" in body["message"]

    run(scenario())


def test_the_last_node_answers_with_path_parameters_and_query(tmp_path: Path) -> None:
    write(
        tmp_path,
        "users",
        [
            webhook("users/:id", "lastNode", "GET"),
            code("Pick", "return [{json: {id: $json.params.id, q: $json.query.q}}];"),
        ],
    )
    flows = tmp_path / "users.json"
    doc = json.loads(flows.read_text())
    hook_id = doc["nodes"][0]["webhookId"]

    async def scenario() -> None:
        async with serving(tmp_path) as (url, _):
            status, _, body = await call("GET", f"{url}/webhook/{hook_id}/users/42?q=x")
            assert (status, body) == (200, {"id": "42", "q": "x"})

    run(scenario())


def test_an_immediate_answer_and_the_execution_on_record(tmp_path: Path) -> None:
    write(tmp_path, "later", [webhook("later"), code("Work", "return [{json: {done: true}}];")])

    async def scenario() -> None:
        async with serving(tmp_path) as (url, service):
            form = {"Content-Type": "application/x-www-form-urlencoded"}
            status, _, body = await call(
                "POST", f"{url}/webhook/later", data="x=1&x=2&y=", headers=form
            )
            assert (status, body) == (200, {"message": "Workflow was started"})
            done = await until(lambda: service.records.list(status="success"))
            record = service.records.get(done[0].id)
            assert record is not None and record.nodes is not None
            item = record.nodes["Webhook"]["items"][0]["json"]
            assert item["body"] == {"x": ["1", "2"], "y": ""}
            assert item["executionMode"] == "production"
            assert record.nodes["Work"]["items"][0]["json"] == {"done": True}

    run(scenario())


def test_header_auth_through_the_nodes_credentials(tmp_path: Path) -> None:
    hook = webhook("guarded", "lastNode", authentication="headerAuth")
    hook["credentials"] = {"httpHeaderAuth": {"id": "1", "name": "Partner"}}
    write(tmp_path, "guarded", [hook, code("Ok", "return [{json: {ok: 1}}];")])
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    creds = secrets / "credentials.yaml"
    creds.write_text("httpHeaderAuth:\n  Partner: {name: X-Token, value: s3cret}\n")

    async def scenario() -> None:
        async with serving(tmp_path, credentials_file=creds) as (url, _):
            status, _, body = await call("POST", f"{url}/webhook/guarded")
            assert (status, body) == (403, "Authorization data is wrong!")
            status, _, _ = await call(
                "POST", f"{url}/webhook/guarded", headers={"X-Token": "wrong"}
            )
            assert status == 403
            status, _, body = await call(
                "POST", f"{url}/webhook/guarded", headers={"X-Token": "s3cret"}
            )
            assert (status, body) == (200, {"ok": 1})

    run(scenario())


def test_a_seconds_interval_fires_every_second(tmp_path: Path) -> None:
    trigger = node(
        "Schedule Trigger",
        "scheduleTrigger",
        {"rule": {"interval": [{"field": "seconds", "secondsInterval": 1}]}},
        1.2,
    )
    write(tmp_path, "tick", [trigger, code("Note", "return [{json: {at: $json.timestamp}}];")])

    async def scenario() -> None:
        async with serving(tmp_path) as (_, service):
            done = lambda: service.records.list(workflow="tick", status="success")  # noqa: E731
            assert await until(lambda: len(done()) >= 4, 8)
            records = [service.records.get(r.id) for r in sorted(done(), key=lambda r: r.id)]
            fired = [  # when each firing was, as its item says: a second apart, on the second
                datetime.fromisoformat(r.nodes["Schedule Trigger"]["items"][0]["json"]["timestamp"])
                for r in records
                if r and r.nodes
            ]
            gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(fired)]
            assert all(0.8 < gap < 1.2 for gap in gaps), gaps
            assert all(f.microsecond < 300_000 for f in fired), fired
            record = records[0]
            assert record is not None and record.mode == "trigger" and record.nodes
            item = record.nodes["Schedule Trigger"]["items"][0]["json"]
            assert item["Timezone"].startswith("America/New_York (UTC")
            assert record.nodes["Note"]["items"][0]["json"]["at"] == item["timestamp"]

    run(scenario())


COUNTER = (
    "const data = $getWorkflowStaticData('global');"
    "data.count = (data.count || 0) + 1;"
    "return [{json: {count: data.count}}];"
)


def test_static_data_is_kept_between_executions_and_restarts(tmp_path: Path) -> None:
    write(tmp_path, "count", [webhook("count", "lastNode"), code("Count", COUNTER)])
    db = tmp_path / "runs.db"

    async def scenario() -> list[int]:
        counts = []
        for _ in range(2):  # a restart on the same --db keeps counting
            async with serving(tmp_path, db=db) as (url, _):
                for _ in range(2):
                    _, _, body = await call("POST", f"{url}/webhook/count")
                    counts.append(body["count"])
        return counts

    assert run(scenario()) == [1, 2, 3, 4]


TAMPER = """
const before = [1, 2, 3].map((x) => x * 2);
try { Array.prototype.map = function () { return 'tampered'; }; } catch (e) {}
try { Object.prototype.polluted = 'yes'; } catch (e) {}
try { JSON.stringify = () => 'tampered'; } catch (e) {}
let leak = 0;
try { globalThis.leak = (globalThis.leak || 0) + 1; leak = globalThis.leak ?? 0; } catch (e) {}
return [{json: {before, polluted: ({}).polluted ?? null, leak}}];
"""


def test_one_execution_cannot_change_the_next(tmp_path: Path) -> None:
    write(tmp_path, "tamper", [webhook("tamper", "lastNode"), code("Tamper", TAMPER)])

    async def scenario() -> list[Any]:
        async with serving(tmp_path) as (url, _):
            return [(await call("POST", f"{url}/webhook/tamper"))[2] for _ in range(3)]

    first, *others = run(scenario())
    assert first["before"] == [2, 4, 6] and first["leak"] <= 1
    assert all(o == first for o in others), others


def test_a_failed_execution_starts_the_error_workflow(tmp_path: Path) -> None:
    stop = node(
        "Stop",
        "stopAndError",
        {"errorType": "errorMessage", "errorMessage": "={{ 'bad ' + $json.body.n }}"},
    )
    write(tmp_path, "fails", [webhook("fails", "lastNode"), stop], errorWorkflow="alerts")
    write(
        tmp_path,
        "alerts",
        [
            node("Error Trigger", "errorTrigger", {}),
            code(
                "Alert",
                "return [{json: {text: `${$json.workflow.name}: ${$json.execution.error.message}`}}];",
            ),
        ],
    )

    async def scenario() -> None:
        async with serving(tmp_path) as (url, service):
            status, _, body = await call("POST", f"{url}/webhook/fails", json={"n": 7})
            assert (status, body) == (500, {"message": "Error in workflow"})
            alerts = await until(lambda: service.records.list(workflow="alerts", status="success"))
            record = service.records.get(alerts[0].id)
            assert record is not None and record.mode == "error" and record.nodes
            assert record.nodes["Alert"]["items"][0]["json"] == {"text": "Fails: bad 7"}
            event = record.nodes["Error Trigger"]["items"][0]["json"]
            failed = service.records.list(workflow="fails")[0]
            assert failed.status == "error" and failed.last_node == "Stop"
            assert event["execution"]["id"] == str(failed.id)
            assert event["execution"]["lastNodeExecuted"] == "Stop"
            assert event["execution"]["mode"] == "webhook"
            assert event["workflow"] == {"id": "fails", "name": "Fails"}

    run(scenario())


def test_the_api_and_pages_need_the_token(tmp_path: Path) -> None:
    write(tmp_path, "quiet", [webhook("quiet"), code("Ok", "return [{json: {}}];")])

    async def scenario() -> None:
        async with serving(tmp_path, token="t0ken") as (url, _):
            assert (await call("GET", f"{url}/api/executions"))[0] == 401
            assert (await call("GET", f"{url}/"))[0] == 401
            assert (await call("GET", f"{url}/healthz"))[0] == 200
            assert (await call("POST", f"{url}/webhook/quiet"))[0] == 200  # its own auth
            bearer = {"Authorization": "Bearer t0ken"}
            status, _, body = await call("GET", f"{url}/api/workflows", headers=bearer)
            assert status == 200 and body["data"][0]["webhooks"][0]["path"] == "/webhook/quiet"
            jar = aiohttp.CookieJar(unsafe=True)  # as a browser keeps one for 127.0.0.1
            async with aiohttp.ClientSession(cookie_jar=jar) as session:
                async with session.get(f"{url}/?token=t0ken") as page:  # once, then a cookie
                    assert page.status == 200 and "token" not in str(page.url)
                async with session.get(f"{url}/api/executions") as listed:
                    assert listed.status == 200

    run(scenario())


def test_run_says_how_to_start_a_webhook_workflow(tmp_path: Path) -> None:
    from keitaro_node.n8n import load_n8n
    from keitaro_node.workflows import WorkflowError, run_workflow

    path = write(
        tmp_path, "hooked", [webhook("hooked"), code("Ok", "return [{json: $json.body}];")]
    )
    with pytest.raises(
        WorkflowError, match=r"keitaro-node serve FILE\) and send POST /webhook/hooked"
    ):
        run(run_workflow(load_n8n(path), environ={}))
    doc = json.loads(path.read_text())
    doc["pinData"] = {"Webhook": [{"json": {"body": {"pinned": True}}}]}
    path.write_text(json.dumps(doc))
    result = run(run_workflow(load_n8n(path), environ={}))
    assert result.items[0]["json"] == {"pinned": True}


def test_sigterm_lets_running_executions_finish_within_the_grace(tmp_path: Path) -> None:
    slow = node("Wait", "wait", {"amount": 30, "unit": "seconds"}, 1.1)
    write(tmp_path, "slow", [webhook("slow"), slow])
    write(tmp_path, "quick", [webhook("quick", "lastNode"), code("Ok", "return [{json: {}}];")])
    db = tmp_path / "runs.db"
    command = [sys.executable, "-m", "keitaro_node.cli", "serve", str(tmp_path), "--port", "0",
               "--db", str(db), "--grace", "1", "--log-format", "json"]  # fmt: skip
    server = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        assert server.stderr is not None
        line = json.loads(server.stderr.readline())
        assert line["event"] == "serving", line
        url = line["url"]

        async def load() -> None:
            for _ in range(3):
                assert (await call("POST", f"{url}/webhook/slow"))[0] == 200
            assert (await call("POST", f"{url}/webhook/quick"))[0] == 200

        run(load())
        time.sleep(0.5)
        began = time.monotonic()
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=15) == 0
        assert time.monotonic() - began < 6
    finally:
        if server.poll() is None:
            server.kill()
    records = Records(db)
    statuses = sorted(r.status for r in records.list())
    records.close()
    assert statuses == ["canceled", "canceled", "canceled", "success"]


def test_executions_reads_the_record(tmp_path: Path) -> None:
    write(tmp_path, "count", [webhook("count", "lastNode"), code("Count", COUNTER)])
    db = tmp_path / "runs.db"

    async def scenario() -> None:
        async with serving(tmp_path, db=db) as (url, _):
            await call("POST", f"{url}/webhook/count")

    run(scenario())
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    listed = subprocess.run(
        [sys.executable, "-m", "keitaro_node.cli", "executions", "--db", str(db)],
        capture_output=True, text=True, check=True, env=env,
    )  # fmt: skip
    assert "success  webhook" in listed.stdout and "count" in listed.stdout
    shown = subprocess.run(
        [sys.executable, "-m", "keitaro_node.cli", "executions", "show", "1", "--db", str(db)],
        capture_output=True, text=True, check=True, env=env,
    )  # fmt: skip
    assert json.loads(shown.stdout)["nodes"]["Count"]["items"][0]["json"] == {"count": 1}


def test_records_keep_the_newest_and_cap_the_items() -> None:
    records = Records(keep=3, data_cap=2_000)
    for n in range(5):
        execution = records.started("w", "W", "webhook")
        items = [{"json": {"n": n, "pad": "x" * 100}} for _ in range(50)]
        records.finished(execution, "success", last_node="A", error=None, nodes={"A": items})
    kept = records.list()
    assert [r.id for r in kept] == [5, 4, 3]
    record = records.get(5)
    assert record is not None and record.nodes is not None
    node_run = record.nodes["A"]
    assert 0 < len(node_run["items"]) < 50 and node_run["truncated"] == 50 - len(node_run["items"])
    records.close()


def respond(respond_with: str, **params: Any) -> dict[str, Any]:
    return node("Respond", "respondToWebhook", {"respondWith": respond_with, **params}, 1.1)


TWO = "return [{json: {n: 1, tag: {name: 'a'}}}, {json: {n: 2}}];"
ANSWERS = [
    # (webhook's responseMode and parameters, nodes after it, status, headers, body)
    ({"responseMode": "lastNode", "responseData": "allEntries"}, [], 200, {}, [{"n": 1, "tag": {"name": "a"}}, {"n": 2}]),
    ({"responseMode": "lastNode", "responseData": "noData"}, [], 200, {}, None),
    ({"responseMode": "lastNode", "options": {"responsePropertyName": "tag.name"}}, [], 200, {}, "a"),
    ({"responseMode": "lastNode", "options": {"responseCode": {"values": {"responseCode": 202}}}}, [], 202, {}, {"n": 1, "tag": {"name": "a"}}),
    ({"responseMode": "lastNode", "options": {"responseHeaders": {"entries": [{"name": "X-Relay", "value": "yes"}]}}}, [], 200, {"X-Relay": "yes"}, {"n": 1, "tag": {"name": "a"}}),
    ({"responseMode": "onReceived", "options": {"responseData": "accepted"}}, [], 200, {}, "accepted"),
    ({"responseMode": "onReceived", "options": {"noResponseBody": True}}, [], 200, {}, None),
    ({"responseMode": "responseNode"}, [respond("allIncomingItems", options={"responseKey": "data.items"})], 200, {}, {"data": {"items": [{"n": 1, "tag": {"name": "a"}}, {"n": 2}]}}),
    ({"responseMode": "responseNode"}, [respond("text", responseBody="={{ 'n=' + $json.n }}")], 200, {"Content-Type": "text/html; charset=utf-8"}, "n=1"),
    ({"responseMode": "responseNode"}, [respond("redirect", redirectURL="https://example.invalid/thanks")], 307, {"Location": "https://example.invalid/thanks"}, None),
    ({"responseMode": "responseNode"}, [respond("json", responseBody='{"ok": true}', options={"responseCode": 201, "responseHeaders": {"entries": [{"name": "X-A", "value": "1"}]}})], 201, {"X-A": "1"}, {"ok": True}),
    ({"responseMode": "responseNode"}, [respond("noData")], 200, {}, None),
    ({"responseMode": "responseNode"}, [], 500, {}, {"code": 0, "message": "No Respond to Webhook node found in the workflow"}),
    ({"responseMode": "lastNode"}, [respond("noData")], 500, {}, {"code": 0, "message": "Webhook node not correctly configured"}),
]  # fmt: skip


@pytest.mark.parametrize(("params", "after", "status", "headers", "body"), ANSWERS)
def test_what_a_webhook_answers(
    tmp_path: Path, params: dict, after: list, status: int, headers: dict, body: Any
) -> None:
    hook = webhook("answer", params.pop("responseMode"), **params)
    write(tmp_path, "answer", [hook, code("Two", TWO), *after])

    async def scenario() -> tuple[int, dict[str, str], Any]:
        async with serving(tmp_path) as (url, _):
            return await call("POST", f"{url}/webhook/answer", allow_redirects=False)

    got_status, got_headers, got_body = run(scenario())
    assert (got_status, got_body) == (status, body)
    lowered = {k.lower(): v for k, v in got_headers.items()}
    assert {k: lowered.get(k.lower()) for k in headers} == headers


def test_basic_and_bearer_auth_and_several_methods(tmp_path: Path) -> None:
    basic = webhook("basic", "lastNode", authentication="basicAuth")
    basic["credentials"] = {"httpBasicAuth": {"id": "1", "name": "Partner"}}
    write(tmp_path, "basic", [basic, code("Ok", "return [{json: {ok: 'basic'}}];")])
    bearer = webhook("bearer", "lastNode", authentication="bearerAuth")
    bearer["credentials"] = {"httpBearerAuth": {"id": "2", "name": "CRM"}}
    write(tmp_path, "bearer", [bearer, code("Ok", "return [{json: {ok: 'bearer'}}];")])
    both = webhook("both", "lastNode", multipleMethods=True)
    both["parameters"]["httpMethod"] = ["GET", "POST"]
    doc = {
        "id": "both",
        "name": "Both",
        "nodes": [both, code("Got", "return [{json: {m: 'get'}}];"), code("Posted", "return [{json: {m: 'post'}}];")],
        "connections": {"Webhook": {"main": [[{"node": "Got", "type": "main", "index": 0}], [{"node": "Posted", "type": "main", "index": 0}]]}},
    }  # fmt: skip
    (tmp_path / "both.json").write_text(json.dumps(doc))
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    creds = secrets / "credentials.yaml"
    creds.write_text(
        "httpBasicAuth:\n  Partner: {user: ann, password: pw}\n"
        "httpBearerAuth:\n  CRM: {token: t0k}\n"
    )

    async def scenario() -> None:
        async with serving(tmp_path, credentials_file=creds) as (url, _):
            status, headers, body = await call("POST", f"{url}/webhook/basic")
            assert (status, body) == (401, "Authorization is required!")
            assert headers["WWW-Authenticate"] == 'Basic realm="Webhook"'
            wrong = {"Authorization": aiohttp.encode_basic_auth("ann", "nope")}
            assert (await call("POST", f"{url}/webhook/basic", headers=wrong))[0] == 403
            right = {"Authorization": aiohttp.encode_basic_auth("ann", "pw")}
            assert (await call("POST", f"{url}/webhook/basic", headers=right))[2] == {"ok": "basic"}
            assert (await call("POST", f"{url}/webhook/bearer"))[0] == 403
            token = {"Authorization": "Bearer t0k"}
            assert (await call("POST", f"{url}/webhook/bearer", headers=token))[2] == {
                "ok": "bearer"
            }
            assert (await call("GET", f"{url}/webhook/both"))[2] == {"m": "get"}
            assert (await call("POST", f"{url}/webhook/both"))[2] == {"m": "post"}

    run(scenario())


def test_static_data_in_expressions_and_an_interval_trigger(tmp_path: Path) -> None:
    every = node("Every second", "interval", {"interval": 1, "unit": "seconds"})
    counter = node(
        "Count",
        "set",
        {
            "assignments": {"assignments": [{"id": "1", "name": "seen", "type": "number",
                "value": "={{ $getWorkflowStaticData('node').seen = ($getWorkflowStaticData('node').seen || 0) + 1 }}"}]},
            "options": {},
        },
        3.4,
    )  # fmt: skip
    write(tmp_path, "every", [every, counter])

    async def scenario() -> list[int]:
        async with serving(tmp_path) as (_, service):
            await until(lambda: len(service.records.list(status="success")) >= 3, 8)
            runs = sorted(service.records.list(status="success"), key=lambda r: r.id)[:3]
            records = [service.records.get(r.id) for r in runs]
            return [r.nodes["Count"]["items"][0]["json"]["seen"] for r in records if r and r.nodes]

    assert run(scenario()) == [1, 2, 3]


def test_a_port_in_use_is_said_plainly(tmp_path: Path) -> None:
    from keitaro_node.errors import InputError

    write(tmp_path, "quiet", [webhook("quiet"), code("Ok", "return [{json: {}}];")])

    async def scenario() -> None:
        async with serving(tmp_path) as (url, _):
            port = int(url.rsplit(":", 1)[1])
            with pytest.raises(InputError, match=f"cannot listen on 127.0.0.1:{port}"):
                async with serving(tmp_path, port=port):
                    pass

    run(scenario())
