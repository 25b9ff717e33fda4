"""The README matches the code: its operation table is generated, its two commands exist."""

from __future__ import annotations

import re

from .conftest import ROOT
from .test_workflows import run_cli

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_operation_table_is_current() -> None:
    code, out, _ = run_cli("describe", "--format", "markdown")
    assert code == 0
    table = re.search(r"<!-- operations:start -->\n(.*?)\n<!-- operations:end -->", README, re.S)
    assert table is not None
    assert table.group(1) == out.strip(), "regenerate with: keitaro-node describe --format markdown"


def test_the_two_setup_commands() -> None:
    assert "pip install . && keitaro-node run workflows/quickstart.yaml" in README
    assert "pip install '.[test]' && python -m pytest" in README
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install --quiet '.[test]' && python -m pytest" in ci
    assert "keitaro-node run workflows/quickstart.yaml" in ci
