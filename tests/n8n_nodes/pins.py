"""n8n workflows of this project's own (``workflows/*.json``) whose ``pinData`` is what n8n 1.95
itself produced for them: the yardstick for the node types (tests/test_n8n_nodes.py).

    python -m tests.n8n_nodes.pins            # compare our run with the stored pinData
    python -m tests.n8n_nodes.pins --oracle   # run them in n8n (tests/oracle/n8n_run.js), store

The oracle runs n8n-core's WorkflowExecute with n8n-nodes-base 1.95 (``npm install`` in
tests/oracle; Node.js 18+).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from keitaro_node.embedded import run_workflow
from keitaro_node.n8n import load_n8n
from keitaro_node.workflows import NodeFailed

from .remote import PLACEHOLDER, serving

HERE = Path(__file__).resolve().parent
ORACLE = HERE.parent / "oracle"
WORKFLOWS = sorted((HERE / "workflows").glob("*.json"))
STOPPED = "n8nStopped"
UNPINNED = {"Start", "Data"}
"""Nodes whose output is not pinned: the trigger and the data every test starts from."""
"""Where n8n's run stopped (node and message), when it did: ours must stop there too."""


@contextmanager
def materialised(path: Path) -> Iterator[Path]:
    """The workflow as run: one naming the pins' remote side (remote.py) gets its address, in
    a copy, while the server runs."""
    text = path.read_text(encoding="utf-8")
    if PLACEHOLDER not in text:
        yield path
        return
    with serving() as url, tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / path.name
        copy.write_text(text.replace(PLACEHOLDER, url), encoding="utf-8")
        yield copy


def n8n_outputs(path: Path) -> dict[str, Any]:
    done = subprocess.run(
        ["node", "n8n_run.js", str(path)],  # noqa: S607 - Node.js from PATH is the point
        capture_output=True,
        text=True,
        cwd=ORACLE,
        env={**os.environ, "TZ": "UTC", "N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS": "false"},
        check=True,
    )
    text = done.stdout[done.stdout.index("{\n") :]  # n8n may log a line before the JSON
    outputs: dict[str, Any] = json.loads(text)
    return outputs


def ours(path: Path) -> dict[str, list[dict[str, Any]]]:
    named = json.loads(path.read_text(encoding="utf-8")).get("testCredentials") or {}
    result = asyncio.run(run_workflow(load_n8n(path), environ={}, named_credentials=named))
    return {name: [{"json": i["json"]} for i in run.items] for name, run in result.runs.items()}


def compare(path: Path) -> list[str]:
    """The nodes whose items differ from the pinned ones (n8n's), each with both; a run that
    stops must stop where n8n's did, with n8n's message."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    pinned, failed = doc["pinData"], doc.get(STOPPED)
    try:
        with materialised(path) as runnable:
            got = ours(runnable)
    except NodeFailed as exc:
        if failed == {"node": exc.node, "message": exc.reason}:
            return []
        return [f"{path.name}: the run stopped: {exc.message}; n8n: {failed}"]
    if failed:
        return [f"{path.name}: n8n stopped at {failed}, this run did not"]
    extra = sorted(set(got) - set(pinned) - UNPINNED)  # nodes n8n did not run
    return [
        f"{path.name}: {name}\n  n8n:  {items}\n  ours: {got.get(name)}"
        for name, items in pinned.items()
        if got.get(name) != items
    ] + [f"{path.name}: {name} ran here, not in n8n" for name in extra]


def pin(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    with materialised(path) as runnable:
        outputs = n8n_outputs(runnable)
    doc["pinData"] = {
        name: [_portable(_without_stack(item)) for item in items]
        for name, items in outputs.items()
        if not name.startswith("__") and name not in UNPINNED
    }
    doc.pop(STOPPED, None)
    if "__stopped" in outputs:
        doc[STOPPED] = outputs["__stopped"]
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


_INSTANCE = re.compile(r"(utm_campaign=[\w.%-]+?)_[0-9a-f]{64}")


def _portable(item: dict[str, Any]) -> dict[str, Any]:
    """An item without the id of the n8n install that ran it (in attribution links: this
    project has no instance id, so its links end at the node type)."""
    text = json.dumps(item, ensure_ascii=False)
    return json.loads(_INSTANCE.sub(r"\1", text))  # type: ignore[no-any-return]


def _without_stack(item: dict[str, Any]) -> dict[str, Any]:
    """An error item without its ``stack`` (the JavaScript engine's, of n8n's install)."""
    data = item.get("json")
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict) and "stack" in error:
        error = {k: v for k, v in error.items() if k != "stack"}
        return {**item, "json": {**item["json"], "error": error}}
    return item


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--oracle", action="store_true", help="run the workflows in n8n and pin")
    args = parser.parse_args()
    problems, nodes = [], 0
    for path in WORKFLOWS:
        if args.oracle:
            pin(path)
        nodes += len(json.loads(path.read_text(encoding="utf-8"))["pinData"])
        problems += compare(path)
    print("\n".join(problems))
    print(f"\nnodes matching n8n's output: {nodes - len(problems)}/{nodes}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
