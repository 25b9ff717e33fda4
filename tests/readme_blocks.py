"""The fenced code blocks of the README, for the tests that run them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT

FENCE = re.compile(r"^```(\w+)(?: (\w+))?\n(.*?)^```$", re.M | re.S)


def blocks(lang: str, tag: str | None = None) -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [m.group(3) for m in FENCE.finditer(text) if m.group(1) == lang and m.group(2) == tag]


def run_python(code: str, domain: str, api_key: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a README example as a script, with the tracker in the environment."""
    (cwd / "workflows").symlink_to(ROOT / "workflows")
    env = {**os.environ, "KEITARO_DOMAIN": domain, "KEITARO_API_KEY": api_key}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
