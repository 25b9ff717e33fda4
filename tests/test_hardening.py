"""Hardening: hostile answers, hostile files and first-hour friction, one test per finding,
each named by what it checks.

Hostile answers come from real aiohttp servers on 127.0.0.1 that misbehave on purpose.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from keitaro_node import Credentials, InputError, ItemError, KeitaroNode
from keitaro_node.cli import EPILOG, build_parser
from keitaro_node.core.policy import NO_RETRY
from keitaro_node.emulator import Emulator
from keitaro_node.expressions import Context, ExpressionError, evaluate
from keitaro_node.outputs import read_items, write_items
from keitaro_node.workflows import WorkflowError, load_workflow

from .conftest import CANARY, ROOT, Http
from .test_operations import Fixtures
from .test_redirects import start
from .test_workflows import run_cli

WORKFLOWS = ROOT / "workflows"


# ------------------------------------------------------------------ a hostile tracker


@pytest.fixture(scope="module")
def hostile() -> Iterator[tuple[str, list[tuple[str, Any]]]]:
    """A tracker that answers each campaign id with a different kind of trouble."""
    seen: list[tuple[str, Any]] = []
    bomb = gzip.compress(b"[" + b" " * (8 * 1024 * 1024) + b"]")  # ~8 KiB that inflate to 8 MiB
    locations = {
        2: "http://127.0.0.1:99999/x",
        3: "http://[::1",
        4: "http://127.0.0.1:\uff11\uff12/x",
        5: "http://host:A:B/x",
    }

    async def campaign(request: web.Request) -> web.StreamResponse:
        n = int(request.match_info["n"])
        if n in locations:
            return web.Response(status=302, headers={"Location": locations[n]})
        if n == 6:
            return web.Response(status=500, reason=f"Broken {CANARY}", text="{}")
        if n == 7:
            escaped = "".join(f"\\u{ord(c):04x}" for c in CANARY)
            return web.Response(
                text=f'{{"id": 7, "note": "{escaped}"}}', content_type="application/json"
            )
        if n == 8:
            return web.Response(
                text=f'{{"id": 8, "key": "{CANARY}"', content_type="application/json"
            )
        if n == 9:
            return web.Response(
                body=bomb, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}
            )
        if n == 10:
            return web.Response(status=404, text="<html>nginx</html>", content_type="text/html")
        return web.json_response({"id": n})

    async def moved(request: web.Request) -> web.StreamResponse:
        seen.append((request.method, await request.text()))
        status = int(request.match_info["status"])
        return web.Response(status=status, headers={"Location": "/admin_api/v1/landing"})

    async def landing(request: web.Request) -> web.StreamResponse:
        seen.append((request.method, await request.text()))
        return web.json_response({"method": request.method})

    app = web.Application()
    app.router.add_get("/admin_api/v1/campaigns/{n}", campaign)
    app.router.add_route("*", "/admin_api/v1/moved/{status}", moved)
    app.router.add_route("*", "/admin_api/v1/landing", landing)
    loop = asyncio.new_event_loop()
    runner, url = loop.run_until_complete(start(app))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield url, seen
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def get_campaigns(url: str, ids: list[int], **kw: Any) -> list[dict[str, Any]]:
    node = KeitaroNode(Credentials(url, CANARY), retry=NO_RETRY, **kw)
    out = node.execute_sync(
        [{"json": {"id": i}} for i in ids],
        resource="campaign",
        operation="get",
        parameters=lambda js, i: {"campaignId": js["id"]},
        continue_on_fail=True,
    )
    assert CANARY not in json.dumps(out)
    return [o["json"] for o in out]


def test_a_decompression_bomb_is_capped(hostile: Any) -> None:
    (item,) = get_campaigns(hostile[0], [9], max_body=1024 * 1024)
    assert item["success"] is False and "once decompressed" in item["error"]["message"]


def test_a_malformed_location_fails_only_its_item(hostile: Any) -> None:
    items = get_campaigns(hostile[0], [1, 2, 3, 4, 5, 11, 12, 13, 14, 15])
    assert [i["success"] for i in items] == [True] + [False] * 4 + [True] * 5
    for bad in items[1:5]:
        assert "redirected" in bad["error"]["message"], bad["error"]


def test_a_key_echoed_by_the_server_is_masked(hostile: Any) -> None:
    reason, escaped, broken = get_campaigns(hostile[0], [6, 7, 8])
    assert reason["error"]["statusText"] == "Broken ***"
    assert escaped["data"] == {"id": 7, "note": "***"}
    assert broken["success"] is False and "not valid JSON" in broken["error"]["message"]
    node = KeitaroNode(Credentials(hostile[0], CANARY), retry=NO_RETRY)
    with pytest.raises(ItemError) as err:
        node.execute_sync(resource="campaign", operation="get", parameters={"campaignId": 8})
    chain, exc = [], err.value
    while exc is not None:  # nothing on the exception chain holds the key
        chain.append(repr(exc) + repr(vars(exc)) + str(getattr(exc, "doc", "")))
        exc = exc.__cause__ or exc.__context__
    assert CANARY not in "".join(chain)


def test_an_html_404_says_the_domain_is_wrong(hostile: Any) -> None:
    (item,) = get_campaigns(hostile[0], [10])
    assert "probably not a Keitaro tracker" in item["error"]["description"]


@pytest.mark.parametrize(
    ("status", "method", "body"),
    [
        (303, "GET", ""),
        (302, "GET", ""),
        (301, "GET", ""),
        (307, "POST", '{"a": 1}'),
        (308, "POST", '{"a": 1}'),
    ],
)
def test_redirects_after_a_post(hostile: Any, status: int, method: str, body: str) -> None:
    from keitaro_node.core.client import KeitaroClient
    from keitaro_node.core.http import AiohttpTransport
    from keitaro_node.model import RequestPlan

    url, seen = hostile

    async def post() -> Any:
        transport = AiohttpTransport()
        try:
            client = KeitaroClient(Credentials(url, CANARY), transport, NO_RETRY)
            return await client.send(RequestPlan("POST", f"/moved/{status}", body={"a": 1}))
        finally:
            await transport.close()

    seen.clear()
    answer = asyncio.run(post())
    assert answer.data == {"method": method}
    assert seen == [("POST", '{"a": 1}'), (method, body)]


# ------------------------------------------------------------------ input that is too much


def test_a_yaml_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    lines += [
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]"
        for i in range(9)
    ]
    (tmp_path / "bomb.yaml").write_text("\n".join(lines) + "\nname: x\nnodes: []\n")
    code, _, err = run_cli("validate", str(tmp_path / "bomb.yaml"))
    assert code == 2 and "aliases (*name) are not allowed" in err


def test_deep_nesting_is_an_input_error(tmp_path: Path, node: KeitaroNode) -> None:
    deep = "[" * 900 + "]" * 900
    (tmp_path / "deep.yaml").write_text(f"name: x\nnodes: []\nextra: {deep}\n")
    code, _, err = run_cli("validate", str(tmp_path / "deep.yaml"))
    assert code == 2 and "nested deeper than" in err and "Traceback" not in err
    out = node.execute_sync(
        resource="affiliate_network",
        operation="create",
        parameters={"networkData": '{"name": "deep", "x": ' + deep + "}"},
        continue_on_fail=True,
    )
    assert out[0]["json"]["success"] is False
    assert "deeper than 64 levels" in out[0]["json"]["error"]["message"]


def test_huge_number_literals_are_input_errors(tmp_path: Path, node: KeitaroNode) -> None:
    digits = "9" * 5000
    (tmp_path / "big.yaml").write_text(f"name: x\nnodes: []\nbig: {digits}\n")
    code, _, err = run_cli("validate", str(tmp_path / "big.yaml"))
    assert code == 2 and "not valid YAML" in err and "Traceback" not in err
    (tmp_path / "big.json").write_text(f'{{"nodes": [], "big": {digits}}}')
    code, _, err = run_cli("validate", str(tmp_path / "big.json"))
    assert code == 2 and "Traceback" not in err
    (tmp_path / "rows.json").write_text(f'[{{"n": {digits}}}]')
    with pytest.raises(InputError, match="not valid JSON"):
        read_items(tmp_path / "rows.json")
    with pytest.raises(ItemError, match="is not valid JSON"):
        node.execute_sync(
            resource="affiliate_network",
            operation="create",
            parameters={"networkData": '{"name": "n", "x": ' + digits + "}"},
        )


def test_pathological_expressions(node: KeitaroNode) -> None:
    ctx = Context(items=[{"json": {}}], index=0)
    assert evaluate("={{ " + "(" * 600 + "1" + ")" * 600 + " }}", ctx) == 1  # as in n8n
    with pytest.raises(ExpressionError, match="Maximum call stack size exceeded"):
        evaluate("={{ " + "(" * 100_000 + "1" + ")" * 100_000 + " }}", ctx)
    assert evaluate("={{ 1" + "0" * 400 + " }}", ctx) is None  # Infinity, which JSON writes as null
    assert evaluate("=x{{ 1" + "0" * 5000 + " }}", ctx) == "xInfinity"
    with pytest.raises(ExpressionError, match="invalid syntax"):  # 10^6 characters, still linear
        evaluate("=" + "{{" * 500_000, ctx)
    with pytest.raises(ExpressionError, match="ran longer than 1 s"):
        evaluate("={{ (() => { while (true) {} })() }}", ctx)
    with pytest.raises(ExpressionError, match="used too much memory"):
        evaluate("={{ 'x'.repeat(2 ** 28) }}", ctx)
    assert evaluate("={{ 1 + 1 }}", ctx) == 2  # the sandbox is usable after each of these


# ------------------------------------------------------------------ credentials and the CLI


def test_credentials_are_cleaned_or_refused(emulator: Emulator) -> None:
    creds = Credentials(emulator.url + "\n", CANARY + "\n")
    assert KeitaroNode(creds).execute_sync(resource="bot", operation="get")[0]["json"]["success"]
    for domain, key, words in (
        ("http://[::1", CANARY, "is not a tracker address"),
        ("http://127.0.0.1:99999", CANARY, "is not a tracker address"),
        ("tracker.example", "a key", "contains spaces or control characters"),
        ("tracker.example", 12345, "must be text"),
    ):
        with pytest.raises(InputError, match=words):
            Credentials(domain, key)  # type: ignore[arg-type]


def test_the_key_never_comes_from_the_command_line() -> None:
    code, _, err = run_cli(
        "run", str(WORKFLOWS / "quickstart.yaml"), "--set", "credentials.apiKey=stolen"
    )
    assert code == 2 and "never taken from the command line" in err


def test_outputs_directories_and_stale_parts(tmp_path: Path) -> None:
    code, _, err = run_cli("run", str(WORKFLOWS / "quickstart.yaml"), "-q", "-o", str(tmp_path))
    assert code == 2 and "is a directory" in err and "Traceback" not in err
    stale = tmp_path / ".out.json.abc123.part"
    stale.write_text("half")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    fresh = tmp_path / ".out.json.def456.part"  # another write in progress right now
    fresh.write_text("busy")
    write_items([{"json": {"a": 1}}], tmp_path / "out.json")
    assert not stale.exists() and fresh.exists()
    assert json.loads((tmp_path / "out.json").read_text()) == [{"a": 1}]


def test_csv_formulas_are_neutralised(tmp_path: Path) -> None:
    rows = [{"a": "=1+1", "b": "+7", "c": "-x", "d": "@SUM(A1)", "e": "\tq", "f": -5, "g": "ok"}]
    write_items([{"json": r} for r in rows], tmp_path / "safe.csv")
    write_items([{"json": r} for r in rows], tmp_path / "raw.csv", formula_guard=False)
    safe = (tmp_path / "safe.csv").read_text().splitlines()[1]
    raw = (tmp_path / "raw.csv").read_text().splitlines()[1]
    assert safe == "'=1+1,'+7,'-x,'@SUM(A1),'\tq,-5,ok"
    assert raw == "=1+1,+7,-x,@SUM(A1),\tq,-5,ok"


def test_version_goes_to_stdout() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "keitaro_node.cli", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.startswith("keitaro-node ") and done.stderr == ""


def test_examples_write_only_to_an_ignored_folder() -> None:
    assert "workflows/out/" in (ROOT / ".gitignore").read_text().splitlines()
    assert not (ROOT / "daily-stats.csv").exists()
    for path in WORKFLOWS.glob("*.yaml"):
        for node in load_workflow(path).nodes:
            for key in ("path", "streamTo"):
                if node.get(key):
                    assert node.get(key).startswith("out/"), (path.name, node.name)


def test_dotenv_beside_the_workflow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, emulator: Emulator
) -> None:
    monkeypatch.delenv("KEITARO_DOMAIN", raising=False)
    monkeypatch.delenv("KEITARO_API_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "wf.yaml").write_text(
        "name: w\nnodes:\n  - {name: Bots, type: keitaro, resource: bot, operation: get}\n"
    )
    code, _, err = run_cli("run", str(folder / "wf.yaml"), "-q")
    assert code == 2 and f"{folder / '.env'}" in err and ".env files looked for" in err
    (folder / ".env").write_text(
        f"export KEITARO_DOMAIN=\"{emulator.url}\"\n# a comment\nKEITARO_API_KEY='{CANARY}'\n"
        'NOTE="two\nlines"\n'
    )
    code, out, err = run_cli("run", str(folder / "wf.yaml"), "-q")
    assert code == 0, err
    assert json.loads(out)[0]["success"] is True


def test_conflicting_options_and_stream_limits(tmp_path: Path) -> None:
    code, _, err = run_cli(
        "run", str(WORKFLOWS / "quickstart.yaml"), "-o", str(tmp_path / "x.csv"), "--format", "json"
    )
    assert code == 2 and "is csv by its name, but --format says json" in err
    target = tmp_path / "five.ndjson"
    code, out, err = run_cli(
        "run",
        str(WORKFLOWS / "clicks-export.yaml"),
        "-q",
        "--set",
        f"Clicks.streamTo={target}",
        "--set",
        "Clicks.parameters.clickFilters.limit=5",
    )
    assert code == 0, err
    assert len(target.read_text().splitlines()) == 5 and json.loads(out)[0]["count"] == 5


def test_names_people_see_in_n8n(node: KeitaroNode) -> None:
    out = node.execute_sync(resource="Кампания", operation="Получить Все", parameters={"Лимит": 1})
    assert out[0]["json"]["resource"] == "campaign" and out[0]["json"]["count"] == 1
    for resource, operation, params, words in (
        ("campain", "get", {}, "did you mean 'campaign'?"),
        ("campaign", "gett", {}, "did you mean 'get'?"),
        ("settings", "create", {"settingsDta": {"a": 1}}, "did you mean 'settingsData'?"),
    ):
        with pytest.raises((InputError, ItemError), match=re.escape(words)):
            node.execute_sync(resource=resource, operation=operation, parameters=params)


def test_messages_say_what_is_wrong(tmp_path: Path) -> None:
    cases = {
        "credentials: {domain: a.example, apiKey: 5}": "credentials.apiKey must be string",
        "credentials: {domain: a.example, apiKey: k, token: t}": "unknown key(s) 'token'",
    }
    for text, words in cases.items():
        (tmp_path / "wf.yaml").write_text(f"name: w\n{text}\nnodes: []\n")
        with pytest.raises(WorkflowError, match=re.escape(words)):
            load_workflow(tmp_path / "wf.yaml")
    (tmp_path / "wf.yaml").write_text(
        "name: w\nnodes:\n  - {name: C, type: keitaro, resource: click, operation: getAll, "
        "parameters: {clickFilters: {intervl: today}}}\n"
    )
    with pytest.raises(
        WorkflowError, match=re.escape("unknown field(s) 'intervl' (did you mean 'interval'?)")
    ):
        load_workflow(tmp_path / "wf.yaml")


def test_emulator_cli_port_taken_and_sigterm() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, _, err = run_cli("emulator", "--port", str(port))
    assert code == 2 and f"cannot listen on 127.0.0.1:{port}" in err and "Traceback" not in err
    proc = subprocess.Popen(
        [sys.executable, "-m", "keitaro_node.cli", "emulator", "--port", "0", "--clicks", "10"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert "Keitaro emulator at" in proc.stdout.readline()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and err.strip() == "emulator stopped"


def test_readme_synopsis_lists_every_option() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    synopsis = readme[readme.index("## Command line") : readme.index("## Workflow engines")]
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, command in sub.choices.items():  # type: ignore[union-attr]
        for action in command._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help":
                    assert flag in synopsis, (name, flag)


def test_every_help_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, emulator: Emulator
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KEITARO_DOMAIN", emulator.url)
    monkeypatch.setenv("KEITARO_API_KEY", CANARY)
    examples = [
        line.split("#")[0].split()[1:]
        for line in EPILOG.split("exit codes:")[0].splitlines()
        if line.strip().startswith("keitaro-node ")
    ]
    assert len(examples) >= 8
    for words in examples:
        args = [str(ROOT / w) if w.startswith("workflows/") else w for w in words]
        if args[0] in ("emulator", "mcp"):
            continue  # they serve until stopped: test_emulator_cli_port_taken_and_sigterm and
            # tests/test_mcp.py start them
        code, _, err = run_cli(*args)
        assert code == 0, (words, err)
    assert (tmp_path / "result.csv").exists() and (tmp_path / "quickstart.n8n.json").exists()


def test_emulator_refuses_before_reading_and_bounds_its_work(
    http: Http, emulator: Emulator
) -> None:
    status, _, _ = http.api("POST", "/campaigns", raw=b"x" * (4 * 1024 * 1024), auth=False)
    assert status == 401
    refused = emulator.journal.last("/admin_api/v1/campaigns")
    assert refused.status == 401 and refused.body is None  # never read, never kept
    big = io.BytesIO()
    with zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("index.html", b"0" * (40 * 1024 * 1024))
    archive = base64.b64encode(big.getvalue()).decode()
    status, _, body = http.api("POST", "/landing_pages", {"name": "zip bomb", "archive": archive})
    assert status == 422 and "unpacks to more than" in json.dumps(body)
    # a visitor-controlled value that makes a backtracking regex explode
    click = Fixtures(http).click()
    key = emulator.tracker.postback_key
    http("GET", f"/{key}/postback?subid={click}&sub_id_1={'x' * 3000}", auth=False)
    report = {
        "range": {"interval": "all_time"},
        "columns": ["sub_id"],
        "limit": 5,
        "filters": [{"name": "sub_id_1", "operator": "MATCH_REGEXP", "expression": "/(x+x+)+y/"}],
    }
    status, _, body = http.api("POST", "/clicks/log", report)
    assert status == 400 and "too costly" in body["error"]


def test_the_openapi_skip_is_one_clear_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_official.py",
            "-k",
            "documented",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "KEITARO_OPENAPI": str(tmp_path / "absent.json"),
            "KEITARO_REQUIRE_REFERENCE": "",
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert "compare with Keitaro's OpenAPI document and were skipped" in done.stdout, done.stdout[
        -2000:
    ]
