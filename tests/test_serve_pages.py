"""The pages of ``serve`` in a real headless browser (Debian's chromium): the executions list
and an execution's page, drawn by their JavaScript from the API, reached with the token once
in the address (then a cookie). CI installs chromium and sets KEITARO_REQUIRE_BROWSER=1."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from pathlib import Path

import pytest

from .serving import code, node, serving, until, webhook, write
from .test_serve import call

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
if BROWSER is None:
    if os.environ.get("KEITARO_REQUIRE_BROWSER"):
        raise RuntimeError("KEITARO_REQUIRE_BROWSER is set but chromium is not installed")
    pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)


async def rendered(url: str, profile: Path) -> str:
    """The page's DOM once its scripts have run."""
    browser = await asyncio.create_subprocess_exec(
        str(BROWSER),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=10000",
        "--dump-dom",
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    out, _ = await asyncio.wait_for(browser.communicate(), timeout=60)
    return out.decode()


def test_the_pages_show_the_workflow_and_its_nodes(tmp_path: Path) -> None:
    stop = node("Stop here", "stopAndError", {"errorMessage": "the partner sent nothing"})
    folder = tmp_path / "flows"
    folder.mkdir()
    write(
        folder,
        "relay",
        [webhook("relay", "lastNode"), code("Shape", "return [{json: {sub: 'a1'}}];"), stop],
    )

    async def scenario() -> None:
        async with serving(folder, token="s3cret") as (url, service):
            status, _, _ = await call("POST", f"{url}/webhook/relay")
            assert status == 500
            failed = await until(lambda: service.records.list(status="error"))
            execution = failed[0].id
            page = await rendered(f"{url}/executions/{execution}?token=s3cret", tmp_path / "p1")
            assert 'id="workflow-name">Relay<' in page, page[:2000]
            for name in ("Webhook", "Shape", "Stop here"):
                assert f'data-node="{name}"' in page
            assert re.search(r'class="node failed" data-node="Stop here"', page)
            assert "the partner sent nothing" in page
            assert "<td>a1</td>" in page  # Shape's item, as a table
            listing = await rendered(f"{url}/?token=s3cret", tmp_path / "p2")
            assert f'href="/executions/{execution}"' in listing and "Relay" in listing
            assert "/webhook/relay" in listing
            refused = await rendered(f"{url}/executions/{execution}", tmp_path / "p3")
            assert "401" in refused and "Relay" not in refused

    asyncio.run(scenario())
