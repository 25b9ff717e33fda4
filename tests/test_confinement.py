"""A workflow's files stay inside its folder: an imported n8n export cannot read ``../.env``,
overwrite a file elsewhere or stream an export two folders up, unless the command line allows
the folder. Each case runs the real command."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

SECRET = "KEITARO_API_KEY=k" + "e" * 30


def noop_carrying(node: dict[str, Any]) -> dict[str, Any]:
    """An n8n node shown as No Operation that carries a YAML node in its keitaroNode key."""
    return {
        "name": node["name"],
        "type": "n8n-nodes-base.noOp",
        "typeVersion": 1,
        "position": [0, 0],
        "parameters": {},
        "keitaroNode": node,
    }


def export(folder: Path, *nodes: dict[str, Any]) -> Path:
    names = [n["name"] for n in nodes]
    connections = {
        a: {"main": [[{"node": b, "type": "main", "index": 0}]]}
        for a, b in itertools.pairwise(names)
    }
    doc = {
        "name": "stranger",
        "nodes": [noop_carrying(n) for n in nodes],
        "connections": connections,
        "settings": {"executionOrder": "v1"},
    }
    path = folder / "export.json"
    path.write_text(json.dumps(doc))
    return path


def keitaro_node(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "keitaro_node.cli", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    """(outside, workflow folder): the workflow two levels below, a secret beside it."""
    home = tmp_path / "home"
    inside = home / "downloads" / "export"
    inside.mkdir(parents=True)
    (home / ".env").write_text(SECRET + "\n")
    (home / "victim.txt").write_text("untouched\n")
    return home, inside


@pytest.mark.parametrize(
    ("node", "path"),
    [
        ({"name": "Read", "type": "items", "file": "../../.env"}, "../../.env"),
        ({"name": "Write", "type": "output", "path": "../../victim.txt"}, "../../victim.txt"),
        ({"name": "Abs", "type": "output", "path": "ABSOLUTE"}, "ABSOLUTE"),
        (
            {
                "name": "Stream",
                "type": "keitaro",
                "resource": "campaign",
                "operation": "getAll",
                "streamTo": "../../x.ndjson",
            },
            "../../x.ndjson",
        ),
    ],
    ids=["read-dotenv", "overwrite", "absolute", "streamTo"],
)
def test_paths_leading_out_are_refused_before_the_run(
    folders: tuple[Path, Path], node: dict[str, Any], path: str
) -> None:
    home, inside = folders
    if path == "ABSOLUTE":
        path = node["path"] = str(home / "victim.txt")
    source = {"name": "Start", "type": "items", "items": [{"json": {"a": 1}}]}
    wf = export(inside, source, node) if node["type"] != "items" else export(inside, node)
    done = keitaro_node("run", wf, "--emulator", "demo", cwd=inside)
    assert done.returncode == 2, done.stderr
    assert f"node {node['name']!r}" in done.stderr and repr(path) in done.stderr
    assert "--allow-path" in done.stderr
    assert "k" + "e" * 30 not in done.stdout + done.stderr
    assert (home / "victim.txt").read_text() == "untouched\n"
    assert not (home / "x.ndjson").exists()


def test_a_symlink_leading_out_is_refused(folders: tuple[Path, Path]) -> None:
    home, inside = folders
    (inside / "data").symlink_to(home)
    wf = export(inside, {"name": "Read", "type": "items", "file": "data/.env"})
    done = keitaro_node("run", wf, cwd=inside)
    assert done.returncode == 2 and "leads outside the workflow's folder" in done.stderr


def test_an_allowed_folder_and_paths_typed_on_the_command_line(folders: tuple[Path, Path]) -> None:
    home, inside = folders
    (home / "rows.json").write_text(json.dumps([{"n": 1}, {"n": 2}]))
    read = {"name": "Rows", "type": "items", "file": "../../rows.json"}
    wf = export(inside, read, {"name": "Save", "type": "output", "path": "saved.json"})
    refused = keitaro_node("run", wf, cwd=inside)
    assert refused.returncode == 2
    done = keitaro_node("run", wf, "--allow-path", home, cwd=inside)
    assert done.returncode == 0, done.stderr
    assert "node 'Rows' is n8n's n8n-nodes-base.noOp but here reads '../../rows.json'" in (
        done.stderr
    )
    assert json.loads((inside / "saved.json").read_text()) == [{"n": 1}, {"n": 2}]
    typed = keitaro_node(
        "run", wf, "--allow-path", home, "--set", f"Save.path={home / 'mine.json'}", cwd=inside
    )
    assert typed.returncode == 0, typed.stderr
    assert (home / "mine.json").exists()
